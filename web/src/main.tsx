import { render } from 'preact';
import { App } from './app.js';
import { loadSession } from './session.js';
import './styles.css';

render(<App />, document.getElementById('app') as HTMLElement);
loadSession().catch((err: unknown) => {
  // The session could not be read (the service is away): show the pages as signed out.
  console.warn('session not loaded', err);
});
