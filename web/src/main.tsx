import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { AuthProvider } from './auth/AuthContext';
import { createUserManager } from './auth/session';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('no #root element');
createRoot(root).render(
  <StrictMode>
    <AuthProvider manager={createUserManager()}>
      <App />
    </AuthProvider>
  </StrictMode>,
);
