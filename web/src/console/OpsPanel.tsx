import { useCallback } from 'react';
import { SERVICES_WITH_STATUS, type OpsStatus, type ServiceName } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { when } from '../ui/format';
import { Notice, describe } from '../ui/Notice';
import { useLoaded } from '../ui/useLoaded';

type Row = { service: ServiceName; status: OpsStatus | null; error: unknown };

/** Each service's own report (GET /ops/<service>/status), read when the console opens
 * and when the operator asks again. */
export function OpsPanel() {
  const { api } = useAuth();
  const readAll = useCallback(
    () =>
      Promise.all(
        SERVICES_WITH_STATUS.map(async (service): Promise<Row> => {
          try {
            return { service, status: await api.opsStatus(service), error: null };
          } catch (error) {
            return { service, status: null, error };
          }
        }),
      ),
    [api],
  );
  const { data: rows, loading: reading, reload: refresh } = useLoaded(readAll);

  const wallet = rows?.find((r) => r.service === 'wallet')?.status;
  const mission = rows?.find((r) => r.service === 'mission')?.status;
  const breaker = wallet?.figures.giftCircuitBreaker;
  const perMinute = mission?.figures.achievementsLastMinute;
  return (
    <section id="status" aria-labelledby="status-title" className="card">
      <div className="section-header">
        <h2 id="status-title">System status</h2>
        <button type="button" onClick={refresh} disabled={reading}>
          {reading ? 'Reading…' : 'Refresh status'}
        </button>
      </div>
      {rows === null ? (
        <p role="status">Reading each service's status…</p>
      ) : (
        <>
          <dl className="figures">
            <div className={`figure breaker-${breaker?.state ?? 'unknown'}`}>
              <dt>Wallet → gift circuit breaker</dt>
              <dd>
                {breaker ? (
                  <>
                    <strong>{breaker.state}</strong>
                    <span className="item-meta">
                      {breaker.failureCount} of {breaker.threshold} failures · cool-down {breaker.cooldownSeconds} s
                    </span>
                  </>
                ) : (
                  'unknown'
                )}
              </dd>
            </div>
            <div className="figure">
              <dt>Achievements in the last minute</dt>
              <dd>
                <strong>{typeof perMinute === 'number' ? perMinute.toLocaleString() : 'unknown'}</strong>
              </dd>
            </div>
          </dl>
          <div className="table-scroll">
            <table>
              <caption>Consumers per service</caption>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Consumer lag</th>
                  <th scope="col">Dead letters</th>
                  <th scope="col">Checked</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ service, status, error }) => (
                  <tr key={service} data-service={service}>
                    <th scope="row">{service}</th>
                    {status === null ? (
                      <td colSpan={3}>
                        <span className="error-text">{describe(error)}</span>
                      </td>
                    ) : (
                      <>
                        <td>{lagText(status)}</td>
                        <td className={status.deadLetters ? 'error-text' : ''}>
                          {status.consumerGroup === null ? '—' : (status.deadLetters ?? 'unavailable')}
                        </td>
                        <td>{when(status.checkedAt)}</td>
                      </>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rows.some((r) => r.status?.unavailable.length) && (
            <Notice tone="warning">Some figures could not be read right now (is Kafka up?). Refresh to try again.</Notice>
          )}
        </>
      )}
    </section>
  );
}

function lagText(status: OpsStatus): string {
  if (status.consumerGroup === null) return 'no consumer';
  if (status.consumerLag === null) return 'unavailable';
  const topics = new Set(status.consumerLag.partitions.map((p) => p.topic));
  return `${status.consumerLag.total.toLocaleString()} (${[...topics].join(', ') || 'no topics'})`;
}
