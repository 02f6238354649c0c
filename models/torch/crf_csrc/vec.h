/* caffe2ss DenseCRF kernel: the vector type of meanfield.c (GCC/Clang vector extensions:
 * 8 floats with AVX, else 4) and the softmax of a pixel's row of class scores. */
#ifndef CAFFE2SS_CRF_VEC_H
#define CAFFE2SS_CRF_VEC_H
#include <stdint.h>

#ifdef __AVX__
#define VW 8        /* floats per vector */
#else
#define VW 4
#endif
#define SEG (16 / VW)   /* vectors per column segment: 64 bytes */
typedef float vecf __attribute__((vector_size(4 * VW)));
typedef int32_t veci __attribute__((vector_size(4 * VW)));

#define INLINE static inline __attribute__((always_inline))

/* exp(x) for x <= 0 (Cephes expf, relative error ~1e-7); 0 below -87. */
INLINE vecf vexp(vecf x)
{
    const vecf lo = (vecf){0} - 87.0f;
    const veci tiny = x < lo;
    x = (vecf)(((veci)x & ~tiny) | ((veci)lo & tiny));
    vecf fx = x * 1.44269504088896341f;
    fx = (fx + 12582912.0f) - 12582912.0f;            /* round to nearest: 1.5 * 2^23 */
    vecf r = x - fx * 0.693359375f;
    r = r - fx * -2.12194440e-4f;
    vecf y = r * 1.9875691500e-4f + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    const veci e = (__builtin_convertvector(fx, veci) + 127) << 23;
    return (vecf)((veci)(y * (vecf)e) & ~tiny);
}

INLINE void softmax_row(const vecf *e, vecf *out, const int nv)
{
    vecf mv = e[0], sum = {0};
    for (int v = 1; v < nv; v++) {
        const veci gt = e[v] > mv;
        mv = (vecf)(((veci)e[v] & gt) | ((veci)mv & ~gt));
    }
    float mx = mv[0], total = 0.f;
    for (int l = 1; l < VW; l++) mx = mv[l] > mx ? mv[l] : mx;
    for (int v = 0; v < nv; v++) {
        out[v] = vexp(e[v] - mx);
        sum += out[v];
    }
    for (int l = 0; l < VW; l++) total += sum[l];
    const float inv = 1.0f / total;
    for (int v = 0; v < nv; v++) out[v] *= inv;
}

#endif
