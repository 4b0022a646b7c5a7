/** Credentials the fixture (suites/fixture/template.yaml) fixes, so suites send the same values to every target. */
export const FIXTURE_API_KEY = "gateproofFixtureKey0123456789";
