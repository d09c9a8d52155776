/**
 * The browser's half of passkeys (PasskeyAddForm.astro, PasskeyButton.astro): on submit, fetch
 * the options from the server, ask the browser for a passkey (@simplewebauthn/browser), put its
 * answer in the form's hidden `credential` field and send the form. What goes wrong is said in
 * the form's live region. Without JavaScript the forms say that passkeys need it.
 */
import {
  browserSupportsWebAuthn,
  startAuthentication,
  startRegistration,
  WebAuthnError,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

/** Words for what the browser refused. */
function browserMessage(error: unknown): string {
  if (error instanceof WebAuthnError && error.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED')
    return 'This passkey or security key is added already.';
  if (error instanceof WebAuthnError && (error.code === 'ERROR_INVALID_DOMAIN' || error.code === 'ERROR_INVALID_RP_ID'))
    return 'Passkeys do not work at this address: open Herald at its public https address.';
  if (error instanceof Error && (error.name === 'NotAllowedError' || error.name === 'AbortError'))
    return 'The passkey prompt was closed or timed out. Try again.';
  return 'Your browser could not use a passkey here. Try again, or use another way.';
}

/** The server's JSON answer: the options, or `{ message, confirm? }` when it refused. */
async function bodyOf(response: Response): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function enhance(form: HTMLFormElement): void {
  const ceremony = form.dataset.passkey;
  const optionsUrl = form.dataset.optionsUrl;
  const credential = form.querySelector<HTMLInputElement>('input[name="credential"]');
  const status = form.querySelector<HTMLElement>('[data-passkey-status]');
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  if (!optionsUrl || !credential || !status || !button || (ceremony !== 'register' && ceremony !== 'authenticate')) return;
  // The no-JavaScript explanation is for browsers that never run this.
  for (const hint of form.querySelectorAll<HTMLElement>('[data-passkey-needs-js]')) hint.hidden = true;
  button.removeAttribute('aria-describedby');
  /** Says how it goes in the live region: progress as a hint, a refusal as an error. */
  const say = (text: string, kind: 'progress' | 'error' = 'error') => {
    status.textContent = text;
    status.classList.toggle('field-error', kind === 'error');
    status.classList.toggle('field-hint', kind === 'progress');
  };
  if (!browserSupportsWebAuthn()) {
    button.disabled = true;
    say('This browser cannot use passkeys or security keys. Use another browser, or another way.');
    return;
  }

  // An arrow function, not a hoisted declaration, so the checks above still narrow inside it.
  const run = async (): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(optionsUrl, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' } });
    } catch {
      say('Herald could not be reached. Check your connection and try again.');
      return;
    }
    const body = await bodyOf(response);
    if (response.status === 403 && body.confirm === true) {
      // The server sends the form on to confirming it is you, then back here.
      credential.value = '';
      form.submit();
      return;
    }
    if (!response.ok) {
      say(typeof body.message === 'string' ? body.message : 'Herald could not start the passkey prompt. Reload the page and try again.');
      return;
    }
    try {
      const answer =
        ceremony === 'register'
          ? await startRegistration({ optionsJSON: body as unknown as PublicKeyCredentialCreationOptionsJSON })
          : await startAuthentication({ optionsJSON: body as unknown as PublicKeyCredentialRequestOptionsJSON });
      credential.value = JSON.stringify(answer);
    } catch (error) {
      say(browserMessage(error));
      return;
    }
    say('Checking your passkey…', 'progress');
    form.submit();
  };

  let sending = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (sending || !form.reportValidity()) return;
    sending = true;
    button.disabled = true;
    say('Follow your browser’s prompt to use your passkey or security key…', 'progress');
    void run().finally(() => {
      sending = false;
      button.disabled = false;
    });
  });
}

export function enhancePasskeyForms(forms: Iterable<HTMLFormElement>): void {
  for (const form of forms) enhance(form);
}
