/**
 * The audit ledger in the report: the hash chains verified again from the exported entries (as `warden audit verify`
 * does), the verdict first, then the entries.
 */
import { verifyChain, type AuditEntry, type ChainVerification } from '../../lambdas/ledger/audit-chain';
import { formatTime, shortHash } from './format';
import { html, type SafeHtml } from './html';

export function auditSection(entries: readonly AuditEntry[], runSaidValid: boolean): SafeHtml {
  const verification = verifyChain(entries);
  return html`<section id="audit" data-valid="${String(verification.valid)}">
    <h2>Audit ledger</h2>
    <p class="verdict ${verification.valid ? 'pass' : 'fail'}">${verdictText(verification)}</p>
    ${
      runSaidValid === verification.valid
        ? ''
        : html`<p class="verdict fail">
            The run's summary said the chain was ${runSaidValid ? 'valid' : 'broken'}: the exported entries were changed
            after the run.
          </p>`
    }
    <p class="note">
      One hash chain per stream: each entry's hash is SHA-256 of the previous hash and the RFC 8785 canonical JSON of
      the entry, so an edited, removed, reordered or inserted entry breaks the chain from that seq on. Verify the export
      yourself with <code>warden audit verify --file audit.json</code>.
    </p>
    ${
      entries.length === 0
        ? html`<p class="empty">No audit entries.</p>`
        : html`<details${entries.length <= 40 ? html` open` : ''}><summary>${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}</summary>
<table class="audit"><thead><tr><th>stream</th><th class="num">seq</th><th>at</th><th>actor</th><th>action</th>
<th>subject</th><th>hash</th></tr></thead><tbody>${entries.map(
            (entry) =>
              html`<tr
                data-seq="${entry.seq}"
                ${
                  verification.firstBadStream === entry.stream &&
                  verification.firstBadSeq !== null &&
                  entry.seq >= verification.firstBadSeq
                    ? html` class="untrusted"`
                    : ''
                }
              >
                <td>${entry.stream}</td>
                <td class="num">${entry.seq}</td>
                <td>${formatTime(entry.at)}</td>
                <td>${entry.actor}</td>
                <td>${entry.action}</td>
                <td>${entry.subject}</td>
                <td class="hash" title="${entry.hash}">${shortHash(entry.hash)}</td>
              </tr>`,
          )}</tbody></table></details>`
    }
  </section>`;
}

function verdictText(verification: ChainVerification): string {
  const counts =
    `${verification.entries} ${verification.entries === 1 ? 'entry' : 'entries'} in ` +
    `${verification.streams} stream${verification.streams === 1 ? '' : 's'}`;
  if (verification.valid) return `Audit chain verified: ${counts}.`;
  return (
    `Audit chain BROKEN: stream "${verification.firstBadStream}" at seq ${verification.firstBadSeq}: ` +
    `${verification.reason} (${counts}).`
  );
}
