// Signatures made by the real peer CLIs (cosign 3.1.1, notation 1.3.2) against a local registry,
// kept verbatim so that unit tests check interop without the peers. Regenerate with the commands in
// test/integration/signing/*.test.ts (cosign --tlog-upload=false --use-signing-config=false, notation
// --insecure-registry); the image is an `oras push` artifact of one file.

/** The signed image (an oras artifact manifest). */
export const IMAGE_DIGEST = 'sha256:4750d86eb7ffd82ca550951b010942edd55b20b3c19adbde5fb1e07204c84342';
export const IMAGE_DESCRIPTOR = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: IMAGE_DIGEST,
  size: 583,
};

/** cosign generate-key-pair; cosign attest --key cosign.key --type https://example.com/p256 --predicate pred.json */
export const COSIGN_P256_BUNDLE =
  '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"4EMR5xXOofqO3Q2Y60KRZWWbyK+KPNKA+6jCCumsLkU="}},"dsseEnvelope":{"payload":"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjAuMSIsInN1YmplY3QiOlt7Im5hbWUiOiIxMjcuMC4wLjE6Mzk2MDEvZXhwL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI0NzUwZDg2ZWI3ZmZkODJjYTU1MDk1MWIwMTA5NDJlZGQ1NWIyMGIzYzE5YWRiZGU1ZmIxZTA3MjA0Yzg0MzQyIn19XSwicHJlZGljYXRlVHlwZSI6Imh0dHBzOi8vZXhhbXBsZS5jb20vcDI1NiIsInByZWRpY2F0ZSI6eyJoZWxsbyI6IndvcmxkIn19","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MEUCIQD+T1d0TR0fZNY76AIsO8DP/fIJfSihzyl65AMNTCymMgIgTHEv+Uw4kNIObWuQV0OpV8jIdSAljN6Bz6N7gYZl+TA="}]}}';
export const COSIGN_P256_PUBLIC_KEY =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBS2N0mG1onpt94U61vjRaCdeNv/Q\neNzsgXYibNG80nHZn+/szYKu/VqGv0wbc7XP5OqfWFavwf2WIfb5lTWxww==\n-----END PUBLIC KEY-----\n';

/** openssl genpkey P-384; cosign import-key-pair; cosign attest --type https://example.com/p384 */
export const COSIGN_P384_BUNDLE =
  '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"kfWg2970KwcUQSKF30aMTRoFL+HVSPfXv5zfzfcspBA="}},"dsseEnvelope":{"payload":"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjAuMSIsInN1YmplY3QiOlt7Im5hbWUiOiIxMjcuMC4wLjE6Mzk2MDEvZXhwL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI0NzUwZDg2ZWI3ZmZkODJjYTU1MDk1MWIwMTA5NDJlZGQ1NWIyMGIzYzE5YWRiZGU1ZmIxZTA3MjA0Yzg0MzQyIn19XSwicHJlZGljYXRlVHlwZSI6Imh0dHBzOi8vZXhhbXBsZS5jb20vcDM4NCIsInByZWRpY2F0ZSI6eyJoZWxsbyI6IndvcmxkIn19","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MGQCMF1Aw3/Cw+uBDKH4ilsg3Ik/1t7pLg+jXxROobuYs3TuOh9osL+JxjpvAxWdsfGw4wIwcSx8K3xAf8XO5e8rK2a3DOVG5goX7URnyKYqAXS4UlkAIxFMaY0J+bTYVTB5SBab"}]}}';
export const COSIGN_P384_PUBLIC_KEY =
  '-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEoEsAyr37HVSJVN5L0Ibujwqq8XYMKyMG\nkLVUK3AdDzC0SD6sfchlJNo6DrKkH51Fi//hybqpPcnbNOruRuOmf+dD2u1iY458\nWZk6el3mdyEnZo7jEofBUMGpap+JORPj\n-----END PUBLIC KEY-----\n';

/** openssl genpkey ED25519; cosign import-key-pair; cosign attest --type https://example.com/ed (cosign signs Ed25519ph) */
export const COSIGN_ED25519_BUNDLE =
  '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"GGfHkahKx4ngDPd0zmI67Z6qsWfuYPAWFa6SIbK7pA0="}},"dsseEnvelope":{"payload":"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjAuMSIsInN1YmplY3QiOlt7Im5hbWUiOiIxMjcuMC4wLjE6Mzk2MDEvZXhwL2FwcCIsImRpZ2VzdCI6eyJzaGEyNTYiOiI0NzUwZDg2ZWI3ZmZkODJjYTU1MDk1MWIwMTA5NDJlZGQ1NWIyMGIzYzE5YWRiZGU1ZmIxZTA3MjA0Yzg0MzQyIn19XSwicHJlZGljYXRlVHlwZSI6Imh0dHBzOi8vZXhhbXBsZS5jb20vZWQiLCJwcmVkaWNhdGUiOnsiYSI6MX19","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"rUIr22cSLcZIcQUQLixa1lahoPveKFP+BFH9Bo+UWczgX/zsowK+p5ASDQZZ2Ul9hun1F5RsD8/UcaI1+ycNDw=="}]}}';
export const COSIGN_ED25519_PUBLIC_KEY =
  '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAsIxMLHqhv4z40/Me4Hkas2b28R7cXjVWfIMEWVoD80o=\n-----END PUBLIC KEY-----\n';

/** notation cert generate-test --default notexp; notation sign (RSA-2048, PS256). Valid 2026-11-23T06:24:52Z..2026-11-24T06:24:52Z. */
export const NOTATION_ENVELOPE =
  '{"payload":"eyJ0YXJnZXRBcnRpZmFjdCI6eyJkaWdlc3QiOiJzaGEyNTY6NDc1MGQ4NmViN2ZmZDgyY2E1NTA5NTFiMDEwOTQyZWRkNTViMjBiM2MxOWFkYmRlNWZiMWUwNzIwNGM4NDM0MiIsIm1lZGlhVHlwZSI6ImFwcGxpY2F0aW9uL3ZuZC5vY2kuaW1hZ2UubWFuaWZlc3QudjEranNvbiIsInNpemUiOjU4M319","protected":"eyJhbGciOiJQUzI1NiIsImNyaXQiOlsiaW8uY25jZi5ub3Rhcnkuc2lnbmluZ1NjaGVtZSJdLCJjdHkiOiJhcHBsaWNhdGlvbi92bmQuY25jZi5ub3RhcnkucGF5bG9hZC52MStqc29uIiwiaW8uY25jZi5ub3Rhcnkuc2lnbmluZ1NjaGVtZSI6Im5vdGFyeS54NTA5IiwiaW8uY25jZi5ub3Rhcnkuc2lnbmluZ1RpbWUiOiIyMDI2LTExLTIzVDA2OjI0OjU0WiJ9","header":{"x5c":["MIIDPjCCAiagAwIBAgIBbzANBgkqhkiG9w0BAQsFADBOMQswCQYDVQQGEwJVUzELMAkGA1UECBMCV0ExEDAOBgNVBAcTB1NlYXR0bGUxDzANBgNVBAoTBk5vdGFyeTEPMA0GA1UEAxMGbm90ZXhwMB4XDTI2MTEyMzA2MjQ1MloXDTI2MTEyNDA2MjQ1MlowTjELMAkGA1UEBhMCVVMxCzAJBgNVBAgTAldBMRAwDgYDVQQHEwdTZWF0dGxlMQ8wDQYDVQQKEwZOb3RhcnkxDzANBgNVBAMTBm5vdGV4cDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALzPf+W3nLIAy532DzDP9+H0tBlMDHzCh+3vrWWEhKSCnuN9RGIXN4CDzoyOolTdzz7/rK5ncCJaagMai+UgFxWIwlL73tnxyelfOnvT4CXzJJMJ1lWw3TGmbHp90+TueAU7NJKDvNpVZTQb1sViL36WuxRYi2ywnusuIXsv+ANHDzMnn5VgUi1uQXTv57AUxpAzi0quhd5bU196nX6QPkzflTzOWhHjCAPaevsTdXlhkHp3YxWwOvgtM1Y+5tvLHYOh3beM6cChmsaxn/ZUjoFyz4pctzdNY2lDnZP2DJL8h/iqEwOCbn8pU5u8fT922gy6K2F6YTZsz0OsI1aBnaMCAwEAAaMnMCUwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMDMA0GCSqGSIb3DQEBCwUAA4IBAQAgjZE5lBOWmWufQt8gjrAtQdz3+M+mqn4s8mvW3jsCkfiK0KDfkZcc8Rff1IFwa4pG0U9s7TU2HsABu8nDjd4IFT6mDOcDbHvNx0EvFzJ0yV5Q+gMs/Mr8Exb+Ij0R8sgnJ/6oC++J1iZTfeV7GYvXREad0rVPNE0Gi0i2lDbFSyBxjrStlNgH51RbVYYX/o5izUq/zeB8MEhH3lzZ4SGHct5r0+3PDWtaaqURTPCaG8I9FWbhHs2lksYnlHsCigtUan0hbHmBebELmflBCHyex6+Q6D+RfBhOJubHCXSEC0O6SRcKbmRIXZOxFnWc7EFO2mP/7A5Y8nXcZtSswsh0"],"io.cncf.notary.signingAgent":"notation-go/1.3.2"},"signature":"XSIyIjraJRY6ACvxLjkkGI1Bui_gqSiKP9Q0PQps0t_6lo82_snIHkMxj6YcTW7UivjbpWQPwcUz6Xhm2GIfcS16g8lhCaMgO__55G9w8yVZrzFZogNY0PTAIXULern0TYjEorKVJonUFW5Car1YGMuElRBtUx-vyRnwa9mgN_cF_rs6z9Jq-7QbdhvPQtLDWH76wDR803GVP7dWxuOR2opE9FPleme3H_mGyN3pLFkgbHedt19Nbw52maxnQAUK7pxihVSGlJ-csZouAg-TJJ7j88D6mv4gDq8RcCFm_O9ZyrimPsIZP8FdPoQOhDPnHAruAA3BJ23_BqAj3ZOZEg"}';
export const NOTATION_CERTIFICATE =
  '-----BEGIN CERTIFICATE-----\nMIIDPjCCAiagAwIBAgIBbzANBgkqhkiG9w0BAQsFADBOMQswCQYDVQQGEwJVUzEL\nMAkGA1UECBMCV0ExEDAOBgNVBAcTB1NlYXR0bGUxDzANBgNVBAoTBk5vdGFyeTEP\nMA0GA1UEAxMGbm90ZXhwMB4XDTI2MTEyMzA2MjQ1MloXDTI2MTEyNDA2MjQ1Mlow\nTjELMAkGA1UEBhMCVVMxCzAJBgNVBAgTAldBMRAwDgYDVQQHEwdTZWF0dGxlMQ8w\nDQYDVQQKEwZOb3RhcnkxDzANBgNVBAMTBm5vdGV4cDCCASIwDQYJKoZIhvcNAQEB\nBQADggEPADCCAQoCggEBALzPf+W3nLIAy532DzDP9+H0tBlMDHzCh+3vrWWEhKSC\nnuN9RGIXN4CDzoyOolTdzz7/rK5ncCJaagMai+UgFxWIwlL73tnxyelfOnvT4CXz\nJJMJ1lWw3TGmbHp90+TueAU7NJKDvNpVZTQb1sViL36WuxRYi2ywnusuIXsv+ANH\nDzMnn5VgUi1uQXTv57AUxpAzi0quhd5bU196nX6QPkzflTzOWhHjCAPaevsTdXlh\nkHp3YxWwOvgtM1Y+5tvLHYOh3beM6cChmsaxn/ZUjoFyz4pctzdNY2lDnZP2DJL8\nh/iqEwOCbn8pU5u8fT922gy6K2F6YTZsz0OsI1aBnaMCAwEAAaMnMCUwDgYDVR0P\nAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMDMA0GCSqGSIb3DQEBCwUAA4IB\nAQAgjZE5lBOWmWufQt8gjrAtQdz3+M+mqn4s8mvW3jsCkfiK0KDfkZcc8Rff1IFw\na4pG0U9s7TU2HsABu8nDjd4IFT6mDOcDbHvNx0EvFzJ0yV5Q+gMs/Mr8Exb+Ij0R\n8sgnJ/6oC++J1iZTfeV7GYvXREad0rVPNE0Gi0i2lDbFSyBxjrStlNgH51RbVYYX\n/o5izUq/zeB8MEhH3lzZ4SGHct5r0+3PDWtaaqURTPCaG8I9FWbhHs2lksYnlHsC\nigtUan0hbHmBebELmflBCHyex6+Q6D+RfBhOJubHCXSEC0O6SRcKbmRIXZOxFnWc\n7EFO2mP/7A5Y8nXcZtSswsh0\n-----END CERTIFICATE-----\n';
/** A time within the notation certificate's validity. */
export const NOTATION_VERIFY_TIME = new Date('2026-11-23T12:00:00Z');
