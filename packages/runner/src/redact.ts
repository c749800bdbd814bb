/**
 * Keeps secrets out of every line the runner prints or writes: values of secret-looking
 * environment variables, tokens given explicitly, credentials inside URLs, signed-URL
 * query parameters.
 */

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_KEY|AUTH|SESSION)/i;
const SECRET_QUERY = /([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|token|access_token|api_key|apikey|key|password)=)[^&#\s"']*/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@"']*(?::[^/\s@"']*)?@/gi;

/**
 * Hides the credentials of a URL (user:password@ and secret query parameters).
 * @example redactUrl('https://u:p@host/x?token=abc') // 'https://***@host/x?token=***'
 */
export function redactUrl(url: string): string {
  return url.replace(URL_USERINFO, '$1***@').replace(SECRET_QUERY, '$1***');
}

/** Removes known secret values and URL credentials from text. */
export interface Redactor {
  (text: string): string;
  /** Adds a value to hide (e.g. a token read from the variable a spec names). */
  add(secret: string | undefined): void;
}

/**
 * Builds a redactor from the environment: every variable whose name looks secret
 * (TOKEN, SECRET, PASSWORD, ACCESS_KEY, …) has its value hidden.
 *
 * @example const redact = createRedactor(process.env); console.log(redact(line));
 */
export function createRedactor(env: NodeJS.ProcessEnv, extra: string[] = []): Redactor {
  const secrets = new Set<string>();
  // Short values (e.g. "1", "true") would blank ordinary text; they are not real secrets.
  const add = (s: string | undefined) => {
    if (s && s.length >= 6) secrets.add(s);
  };
  for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name)) add(value);
  extra.forEach(add);
  const redact = ((text: string) => {
    let out = redactUrl(text);
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***');
    return out;
  }) as Redactor;
  redact.add = add;
  return redact;
}
