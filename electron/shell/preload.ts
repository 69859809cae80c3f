// The preload: exposes exactly one generic invoke and one subscribe as window.api. No Electron or
// Node object ever reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type ApiBridge, type Envelope } from '../../shared/bridge';

const bridge: ApiBridge = {
  invoke: (method, input) =>
    ipcRenderer.invoke(IPC_INVOKE, String(method), input) as Promise<Envelope>,
  subscribe: (event, listener) => {
    const handler = (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
};

contextBridge.exposeInMainWorld('api', bridge);
