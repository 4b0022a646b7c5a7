import { importJWK, SignJWT, type JWK } from "jose";

/**
 * Credentials the fixture (suites/fixture/template.yaml) fixes, so suites send the same values to every target.
 *
 * The API key is the template's ApiKeyValue default; a deployment made with another value passes it as
 * `gateproof conformance --api-key` (TARGET_API_KEY).
 */
export const FIXTURE_API_KEY = process.env.TARGET_API_KEY || "gateproofFixtureKey0123456789";

/** The audience of FixtureHttpApi's JWT authorizer. */
export const FIXTURE_JWT_AUDIENCE = "gateproof-fixture";

/**
 * The private half of the key FixtureApi publishes at /test/issuer/jwks.json, the issuer of FixtureHttpApi's JWT
 * authorizer. Public on purpose, like the API key: it opens nothing but the fixture's JWT routes, and lets the suites
 * sign fresh tokens (any claims, any expiry) for any deployment of the fixture.
 */
const FIXTURE_JWT_KEY: JWK = {
  "kty": "RSA",
  "n": "z6R5aiK7CqwkAItwN7wP5qe_LhSwz57kpo8oPV_5L_a8RkwrilBQ1Jo8P1TNd_LsWxIM9bwgy22tvJR3KkZDuQC4bdUENvgqkio2_bfpP0ULnlxLErsANM7HEqeHSxOE8uY_wiT_8DOMNSW-4y5Ww8C2hkbq-4efHdUfy428sdOQWo_RgIQgpmwpSbLZACV44BXG4vHOI7kJAJ2w1rW1Ae5EUNc3hr16f1E7SIoETWSzFlAhlZ519lLzFt-FN9SVzo4LwxshQZuyvUJ3vw3JdH2wZI2IqkZgMQgd0hVBT46mXLOrxHWUM25NE2bj97Y3nh7E1qPQo3Wv3llEUpTtnQ",
  "e": "AQAB",
  "d": "DAAB4k_ihmHfbMaiNB5ivt5H7rZUZ5NTvIp-dVmUEaENTXS-eW5d1YOaYsCYZUu9PCAlbpgyPv92MHVWE7Pe2xS_E93hMfoSn8LfzbbwvG7Vlo_X6Nu0zdh7ackTyRN2NgF3gtVXkz6vZizpxMBbVFHRWp5Dm0jBudwky8NDufUY8e4eWI1lL_ZlspR0QMntsjBZWBZa-14f4fQiigz4KTOjeXqRg-pvr3DPQ1_yi11RPzFuHGfEdxDy92x4yvdGXfNXPIqD-67bKKleZve8KeRieC37gkStO3Ww5cVlhdaWbXI4VVYMg5tx8mVWbaJBjTUKx0twgV-NCQ_7sDxigQ",
  "p": "75WxImvqMyYp6rSJd9kMo9FRHOufY8RrbCUNaAqpjk84sxm59iusNt_V_HoTaw1TzmeLaLsupegAzo8RcmOvCeaODdmfNoofY0WIaN9FyOK4lVzW9UIrWiEaMUp0rdvypKf6yP0SPf9NZqSWw9v6iEBWUgiqklwbI9weWwQ3HV0",
  "q": "3d6EKUXkdtI9moqbc0ApMLPsVmT5dh40wZaEuhEOmprLsPmakaeVXQugggNWvCxwshcd2o7yNDyXsP4gc7lo8h89ynvEaAQ-6jcs_et_vSOX_4QvUF-cQdZHl71gNa_14mi9fzbAdAAna0JroT4OiextTaQE0Jdx59tdOwIvzUE",
  "dp": "xiWtnGRYC_mSTVUHJKHUfGAPj7Wn22GF3qk-T0ASP2px4F50mI5CHhg96FQmXzFkkJ6-g93blMcuc6eLrGmZSLzv27CSpw7RKs9FJEcUdjJcqttfxPP22tHp0b5chbYVFez_0t7LCY9uumeBcXcr2ygqvCoCuI2IvL2-NVRlKNk",
  "dq": "R_vc50Ms57w4jn5wBwmHE60cfb9PDJqqRTDfqTrFgTW95pJlKuKzXDfcgLIynuTQP4eugO2l-Xq7QIqC3ukF-qBWPO7A_3p5KyZxq4SPsj7tHtK1Qx9yJA4wtjOUFncbkLSo3rBV6ozuPSeUogDvWKJjqDAR-9dW9oG-ktmXxsE",
  "qi": "QNVa6Zklnj5U4c1CZbX9aqUHfNIArGn94Rp0dHuczAU9RfHPuA2eWI3mF-CKPM7QNEQR2YKCXAWBCKbux7OGAyDMfmEaNKDPCndnfHdp2W8s8Q_SVrtLa6puhC2BAVcEYXwHLu17Uwv9LczPALrPgT9xSP_1cr_EH-1m2bRpjwo",
  "kid": "gateproof-fixture-1",
  "alg": "RS256"
};

/** A token signed with the fixture's key (RS256, kid of its JWKS unless `kid` says otherwise). */
export async function signFixtureToken(claims: Record<string, unknown>, options: { issuer: string; expiresIn?: string; kid?: string }): Promise<string> {
  const key = await importJWK(FIXTURE_JWT_KEY, "RS256");
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? FIXTURE_JWT_KEY.kid! })
    .setIssuer(options.issuer)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m")
    .sign(key);
}
