// A modal confirmation on the browser's own <dialog> (focus kept inside, Escape cancels).
import { useEffect, useRef } from 'preact/hooks';
import { html } from './html.js';
import { t } from './i18n.js';

export function ConfirmDialog({
  open, title, children, confirmLabel, onConfirm, onCancel, busy, id = 'confirm', danger,
}) {
  const dialog = useRef(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return html`
    <dialog ref=${dialog} id=${id} onCancel=${(e) => { e.preventDefault(); onCancel(); }}>
      <h2>${title}</h2>
      ${children}
      <div class="actions">
        <button type="button" class="quiet" id=${id + '-cancel'} onClick=${onCancel}>
          ${confirmLabel ? t('common.cancel') : t('common.close')}</button>
        ${confirmLabel && html`
          <button type="button" class=${danger ? 'danger' : 'primary'} id=${id + '-ok'}
                  disabled=${busy} onClick=${onConfirm}>${confirmLabel}</button>`}
      </div>
    </dialog>`;
}
