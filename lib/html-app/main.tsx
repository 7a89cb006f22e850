/** Entry point of the HTML report's script: reads the embedded profile and renders the page. */
import { render } from 'preact';
import { App } from './app';
import { Tooltip } from './canvas';
import { readReportData } from './data';
import { createModel } from './model';
import './styles.css';

/** Milestones of the page's start, for the load-time test and for the curious (console: nodeinstrumentTimings). */
const timings: Record<string, number> = { scriptStart: performance.now() };
(window as unknown as { nodeinstrumentTimings: typeof timings }).nodeinstrumentTimings = timings;

function start(): void {
  const container = document.getElementById('app')!;
  try {
    const data = readReportData(document);
    timings.parsed = performance.now();
    const model = createModel(data);
    timings.modelBuilt = performance.now();
    container.textContent = '';
    render(<App model={model} tooltip={new Tooltip(document.body)} />, container);
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
