/**
 * Whether a file path belongs in primary.xml as well as filelists.xml
 * (createrepo_c `cr_is_primary`: paths under /etc/, paths containing "bin/", /usr/lib/sendmail).
 */
export function isPrimaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}
