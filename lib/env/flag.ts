/** An on/off environment setting: only an explicit 1/true/yes turns it on. */
export function flagEnabled(value: string | undefined): boolean {
  return /^(1|true|yes)$/i.test(value?.trim() ?? '');
}
