/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org/specs/source-date-epoch): the time to write into
 * what a build produces instead of now, so that the same input gives the same bytes.
 */

/** SOURCE_DATE_EPOCH in epoch seconds when set to a whole number, else undefined. */
export function sourceDateEpoch(): number | undefined {
  const env = process.env.SOURCE_DATE_EPOCH;
  return env && /^\d+$/.test(env) ? Number(env) : undefined;
}
