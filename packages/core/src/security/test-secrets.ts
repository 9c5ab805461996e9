/** A signing secret for tests (the option requires at least 32 characters). */
export const testSigningSecret = 'security-test-secret-0123456789abcdef';
export const rotatedSigningSecret = 'security-test-secret-rotated-fedcba98765';
