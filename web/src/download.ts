/** Saves an authenticated download (the session headers go along, which a plain link cannot send). */
import { sessionHeaderValues } from './api/client.js';

export async function saveDownload(url: string, filename: string): Promise<void> {
  const response = await fetch(url, { credentials: 'same-origin', headers: sessionHeaderValues() });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
