import './styles.css';
import { createRoot } from 'react-dom/client';
import { ReactFlowProvider } from '@xyflow/react';
import { App } from './App.js';
import { HostBridge } from './host.js';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <ReactFlowProvider>
      <App bridge={new HostBridge()} />
    </ReactFlowProvider>,
  );
}
