/** The report's header: when, how long, how many samples, what ran, and what to doubt. */
import type { ReportModel } from './model';
import { formatCount, formatMode, formatRate, formatSeconds, formatShortCount, formatTimestamp, sessionWarnings } from './format';

export function Header({ model }: { model: ReportModel }) {
  const { meta, program, timeline } = model.data;
  const rate = formatRate(meta);
  const mode = formatMode(meta);
  const samples = timeline.sampleCount;
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
          <dt>Samples</dt>
          <dd title={rate}>
            {formatCount(samples)}
            {rate && <span class="dim"> ({rate})</span>}
          </dd>
        </div>
        <div>
          <dt>CPU time</dt>
          <dd>{meta.cpuTime.toFixed(3)} s</dd>
        </div>
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
      <ul class="notes">
        {sessionWarnings(meta).map((warning) => (
          <li class="warning">warning: {warning}</li>
        ))}
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
