/** The report's header: when, how long, how many samples, what ran, and what to doubt. */
import type { ReportModel } from './model';
import { formatBytes, formatCount, formatMemorySummary, formatMode, formatRate, formatSeconds, formatShortCount, formatTimestamp } from './format';

export function Header({ model }: { model: ReportModel }) {
  const { meta, program, timeline, warnings } = model.data;
  const rate = formatRate(meta);
  const mode = formatMode(meta);
  const samples = timeline.sampleCount;
  const memory = formatMemorySummary(model.data.memory);
  const allocated = model.unit === 'bytes' ? model.tree.totalTime : undefined;
  return (
    <header class="header">
      <div class="brand">nodeinstrument</div>
      <dl class="meta">
        <div>
          <dt>Recorded</dt>
          <dd>{formatTimestamp(meta.startTime)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{meta.duration.toFixed(3)} s</dd>
        </div>
        <div>
          <dt>{allocated === undefined ? 'Samples' : 'Allocation samples'}</dt>
          <dd title={rate}>
            {formatCount(samples)}
            {rate && <span class="dim"> ({rate})</span>}
          </dd>
        </div>
        <div>
          <dt>CPU time</dt>
          <dd>{meta.cpuTime.toFixed(3)} s</dd>
        </div>
        {model.thread && (
          <div class="wide">
            <dt>Thread</dt>
            <dd class="thread-name">
              {model.thread.name}
              <span class="dim">
                {' '}
                (sampled {model.thread.start.toFixed(3)} s to {model.thread.end.toFixed(3)} s{model.thread.exited ? ', exited' : ''}; samples and CPU time are this thread's)
              </span>
            </dd>
          </div>
        )}
        {allocated !== undefined && (
          <div class="wide">
            <dt>Allocated</dt>
            <dd>
              {formatBytes(allocated)}
              <span class="dim"> ({meta.allocation?.live ? 'still live at the end' : 'collected since or not'}{meta.allocation ? `, one sample per ${formatBytes(meta.allocation.interval)} on average` : ''})</span>
            </dd>
          </div>
        )}
        {memory && (
          <div class="wide">
            <dt>Memory</dt>
            <dd>{memory}</dd>
          </div>
        )}
        {program && (
          <div class="wide">
            <dt>Program</dt>
            <dd class="program">{program}</dd>
          </div>
        )}
        {mode && (
          <div class="wide">
            <dt>Mode</dt>
            <dd class="mode">{mode}</dd>
          </div>
        )}
        {meta.nodeVersion && (
          <div>
            <dt>Node</dt>
            <dd>
              {meta.nodeVersion} {meta.platform}-{meta.arch}
            </dd>
          </div>
        )}
      </dl>
      {warnings.length > 0 && (
        <div class="warning-banner" role="alert">
          <strong>This profile may mislead.</strong>
          <ul>
            {warnings.map((warning) => (
              <li class="warning" data-kind={warning.kind}>
                {warning.message} <span class="advice">{warning.advice}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <ul class="notes">
        {meta.notes.map((note) => (
          <li class="note">note: {note}</li>
        ))}
        {timeline.resampled && (
          <li class="note resample-note">
            timeline resampled: {formatShortCount(samples)} samples shown as {formatShortCount(timeline.resampled.buckets)} buckets of{' '}
            {formatSeconds(timeline.resampled.bucketSeconds)} (each shows the stack sampled most in it); the call tree and flame graph count every sample.
          </li>
        )}
      </ul>
    </header>
  );
}
