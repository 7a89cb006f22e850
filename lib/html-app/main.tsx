/** Entry point of the HTML report's script: reads the embedded profile and renders the page. */
import { render } from 'preact';
import { App } from './app';
import { Tooltip } from './canvas';
import { readReportData } from './data';
import { createModel } from './model';
import { ThreadedApp } from './thread-picker';
import './styles.css';

/** Milestones of the page's start, for the load-time test and for the curious (console: nodeinstrumentTimings). */
const timings: Record<string, number> = { scriptStart: performance.now() };
(window as unknown as { nodeinstrumentTimings: typeof timings }).nodeinstrumentTimings = timings;

function start(): void {
  const container = document.getElementById('app')!;
  try {
    const data = readReportData(document);
    timings.parsed = performance.now();
    const tooltip = new Tooltip(document.body);
    container.textContent = '';
    if (data.threads && data.threads.length > 1) {
      render(<ThreadedApp data={data} tooltip={tooltip} />, container);
      timings.modelBuilt = performance.now();
    } else {
      const model = createModel(data);
      timings.modelBuilt = performance.now();
      render(<App model={model} tooltip={tooltip} />, container);
    }
    timings.rendered = performance.now();
    // The first frame after the render is when the page shows.
    requestAnimationFrame(() => {
      timings.firstFrame = performance.now();
      document.documentElement.dataset.ready = 'true';
    });
  } catch (error) {
    const message = document.createElement('p');
    message.className = 'loading error';
    message.textContent = `This report could not be shown: ${error instanceof Error ? error.message : String(error)}`;
    container.replaceChildren(message);
    throw error;
  }
}

start();
