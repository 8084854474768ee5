/* AdaIN + Snake + uint8 quantization for the int8 resblocks, in two passes over the signal.
 *
 * torch runs this chain as about fifteen elementwise ops, each a pass over a signal of up to
 * 100,000 x 128 values; here it is one pass for the statistics and one that writes the codes.
 * Built by native.py with -O3 -march=native -ffast-math, so that the channel loops become
 * AVX-512 (or AVX2) code and sinf becomes glibc's vector sine (libmvec).
 *
 * A signal is time-major: row t holds the C channels of step t. Each function takes a row
 * range, so that callers can split one signal across threads.
 */
#include <math.h>
#include <stdint.h>

static inline float from_bf16(uint16_t h) {
    union { uint32_t u; float f; } v = { .u = (uint32_t)h << 16 };
    return v.f;
}

static inline float from_f32(float f) { return f; }

/* Per channel, over rows [t0, t1): the sum of (x - k) and of its square, and min and max of x.
 * Adds to the four accumulators. k, a rough mean, keeps the sums of squares from cancelling. */
#define STATS(NAME, T, LOAD)                                                                   \
    void NAME(const T *x, long C, long t0, long t1, const float *k, float *sum, float *sq,    \
              float *lo, float *hi) {                                                          \
        for (long t = t0; t < t1; t++) {                                                       \
            const T *row = x + t * C;                                                          \
            _Pragma("omp simd") for (long c = 0; c < C; c++) {                                 \
                float v = LOAD(row[c]);                                                        \
                float d = v - k[c];                                                            \
                sum[c] += d;                                                                   \
                sq[c] += d * d;                                                                \
                lo[c] = fminf(lo[c], v);                                                       \
                hi[c] = fmaxf(hi[c], v);                                                       \
            }                                                                                  \
        }                                                                                      \
    }

/* Codes for rows [t0, t1): u = scale * (x - k) + shift, y = u + sin(u)^2 (Snake, with alpha
 * folded into scale and shift), q = y / step + 128 rounded, in 0..255. */
#define SNAKE_QUANT(NAME, T, LOAD)                                                             \
    void NAME(const T *x, long C, long t0, long t1, const float *k, const float *scale,       \
              const float *shift, const float *inv_step, uint8_t *q) {                         \
        for (long t = t0; t < t1; t++) {                                                       \
            const T *row = x + t * C;                                                          \
            uint8_t *out = q + t * C;                                                          \
            _Pragma("omp simd") for (long c = 0; c < C; c++) {                                 \
                float u = scale[c] * (LOAD(row[c]) - k[c]) + shift[c];                         \
                float s = sinf(u);                                                             \
                float y = (u + s * s) * inv_step[c] + 128.5f;                                  \
                out[c] = (uint8_t)(int)fminf(fmaxf(y, 0.0f), 255.0f);                          \
            }                                                                                  \
        }                                                                                      \
    }

STATS(stats_bf16, uint16_t, from_bf16)
STATS(stats_f32, float, from_f32)
SNAKE_QUANT(snake_quant_bf16, uint16_t, from_bf16)
SNAKE_QUANT(snake_quant_f32, float, from_f32)
