/**
 * Profiles with worker threads: the page shows one thread at a time (the
 * main thread first) and a selector to switch. Switching remounts the page
 * on the chosen thread's data, on the same tab.
 */
import { useMemo, useState } from 'preact/hooks';
import { App, Tab } from './app';
import type { Tooltip } from './canvas';
import { createModel, ReportModel } from './model';
import type { HtmlReportData } from '../renderers/html-format';
import { dataOfThread, threadOptionText } from './threads';

export function ThreadedApp({ data, tooltip }: { data: HtmlReportData; tooltip: Tooltip }) {
  const threads = data.threads ?? [];
  const [thread, setThread] = useState(0);
  const [tab, setTab] = useState<Tab>('tree');
  // Each thread's model is built when first chosen, then kept.
  const models = useMemo(() => new Map<number, ReportModel>(), []);
  let model = models.get(thread);
  if (!model) {
    model = createModel(dataOfThread(data, thread), threads[thread]);
    models.set(thread, model);
  }
  const picker = (
    <label class="thread-filter" title="Each thread's samples are shown apart: choose the thread">
      thread
      <select aria-label="Show this thread" value={String(thread)} onChange={(event) => setThread(Number(event.currentTarget.value))}>
        {threads.map((info, index) => (
          <option value={String(index)}>{threadOptionText(info)}</option>
        ))}
      </select>
    </label>
  );
  return <App key={thread} model={model} tooltip={tooltip} initialTab={tab} onTab={setTab} threadPicker={picker} />;
}
