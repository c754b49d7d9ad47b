/* portatensor: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3", SC'11), a counter-based generator: the numbers are a pure
 * function of (key, counter), so every device produces the same stream for
 * the same seed and work can be split any way. Integer arithmetic only. */
#ifndef PT_PHILOX_H
#define PT_PHILOX_H

#define PT_PHILOX_M0 0xD2511F53u
#define PT_PHILOX_M1 0xCD9E8D57u
#define PT_PHILOX_W0 0x9E3779B9u
#define PT_PHILOX_W1 0xBB67AE85u

typedef struct { uint x, y, z, w; } pt_philox_ctr;

inline pt_philox_ctr pt_philox_round(pt_philox_ctr c, uint k0, uint k1) {
    const uint hi0 = mul_hi(PT_PHILOX_M0, c.x);
    const uint lo0 = PT_PHILOX_M0 * c.x;
    const uint hi1 = mul_hi(PT_PHILOX_M1, c.z);
    const uint lo1 = PT_PHILOX_M1 * c.z;
    pt_philox_ctr r;
    r.x = hi1 ^ c.y ^ k0;
    r.y = lo1;
    r.z = hi0 ^ c.w ^ k1;
    r.w = lo0;
    return r;
}

/* Ten rounds with the Weyl key schedule. */
inline pt_philox_ctr pt_philox4x32(pt_philox_ctr c, uint k0, uint k1) {
    for (int i = 0; i < 10; ++i) {
        c = pt_philox_round(c, k0, k1);
        k0 += PT_PHILOX_W0;
        k1 += PT_PHILOX_W1;
    }
    return c;
}

/* A uniform float in [0, 1) from the top 24 bits (exact in float). */
inline float pt_u01f(uint u) { return (float)(u >> 8) * (1.0f / 16777216.0f); }

#endif
