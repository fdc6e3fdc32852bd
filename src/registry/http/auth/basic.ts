/** HTTP Basic authentication (RFC 7617, UTF-8 charset). */

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
