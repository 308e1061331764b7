/**
 * What a source's license allows, as the card and the commercial-use filter read it. A source
 * whose license says non-commercial (NC), research only, or nothing at all ("unknown") may not
 * be used commercially.
 */
export type LicenseUse = "commercial" | "non-commercial" | "research-only" | "unstated"

export const licenseUse = (license: string): LicenseUse => {
  if (/NC|non-commercial/i.test(license)) return "non-commercial"
  if (license === "research-only") return "research-only"
  if (license === "unknown") return "unstated"
  return "commercial"
}

export const allowsCommercialUse = (license: string): boolean => licenseUse(license) === "commercial"

/** One phrase for the card; ⚠ marks the restricted ones. */
export const describeLicenseUse = (license: string): string =>
  ({
    commercial: "commercial use allowed",
    "non-commercial": "⚠ non-commercial only",
    "research-only": "⚠ research only",
    unstated: "⚠ no license stated: research only"
  })[licenseUse(license)]
