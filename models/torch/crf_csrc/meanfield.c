/* DeepLab's mean-field loop over crf_lattice objects (lattice.c), as ../crf.py's torch
 * path runs it: Q = softmax(x), then per iteration
 *     Q = softmax(x + sum_k w_k norm_k K_k Q),   K_k Q = slice(blur(splat(Q))).
 * One sweep over the pixels slices the messages, takes the softmax and splats the new Q
 * at once (each thread into its own partial sums, added up before the blur), so Q is only
 * stored after the last iteration. Pixels are swept in TILE x TILE tiles: a tile's pixels
 * share few lattice vertices, which then stay in cache. The blur computes
 * 2 v + v[n1] + v[n2] per direction (the 2^(d+1) is folded into the slice weights).
 * Pixel rows hold C rounded up to VW floats; padded classes carry the logit PAD_LOGIT, so
 * their Q is 0 and they add nothing to any message. Vertex row m stays zero ("absent").
 */
#define _POSIX_C_SOURCE 200112L  /* posix_memalign */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "crf.h"

#ifdef __AVX__
#define VW 8        /* floats per vector */
#else
#define VW 4
#endif
typedef float vecf __attribute__((vector_size(4 * VW)));
typedef int32_t veci __attribute__((vector_size(4 * VW)));

#define PAD_LOGIT (-1e30f)
#define VCHUNK 512  /* vertices per blur work item (dynamic: robust to a busy machine) */
#define TILE CRF_TILE

typedef struct {
    int64_t h, w;
    int c, nv, nk;                 /* classes, vectors per pixel row, kernels */
    const float *logits, *wk;      /* (c, h w) planes; kernel weights */
    float *q;                      /* (c, h w) output */
    vecf *x;                       /* (h w, nv) padded logits */
    crf_lattice *const *lat;
} job;

/* How this build vectorises and threads (for benchmarks and bug reports). */
const char *crf_build_info(void)
{
#ifdef _OPENMP
#define CRF_THREADS "OpenMP"
#else
#define CRF_THREADS "one thread (no OpenMP)"
#endif
#ifdef __AVX__
    return "AVX, 8 floats a vector, " CRF_THREADS;
#else
    return "4 floats a vector, " CRF_THREADS;
#endif
}

/* count zeroed vectors, aligned for them (malloc only promises 16 bytes), or NULL. */
static vecf *vec_alloc(int64_t count)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, sizeof(vecf) * (count > 0 ? count : 1))) return NULL;
    return memset(p, 0, sizeof(vecf) * count);
}

/* exp(x) for x <= 0 (Cephes expf, relative error ~1e-7); 0 below -87. */
#define INLINE static inline __attribute__((always_inline))

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

/* e += w * (the slice of res at pixel p), the d1 corners' offsets and weights given. */
INLINE void slice(vecf *e, const vecf *res, const int32_t *off, const float *sw, float w,
                  const int d1, const int nv)
{
    for (int r = 0; r < d1; r++) {
        const vecf *in = res + (int64_t)off[r] * nv;
        const float a = w * sw[r];
        for (int j = 0; j < nv; j++) e[j] += a * in[j];
    }
}

/* The pixel's q splatted onto part at its d1 corners with its barycentric weights. */
INLINE void splat(vecf *part, const vecf *q, const int32_t *off, const float *bary,
                  const int d1, const int nv)
{
    for (int r = 0; r < d1; r++) {
        vecf *restrict o = part + (int64_t)off[r] * nv;
        const float a = bary[r];
        for (int j = 0; j < nv; j++) o[j] += a * q[j];
    }
}

/* Pixel p: Q = softmax(x (+ the sliced messages res unless first)), then into keep if
 * given, else splatted onto this thread's partial sums part. d + 1 is a constant for
 * the usual lattices (d = 2: smoothness, 5: appearance), so the loops unroll. */
INLINE void pixel(const job *J, vecf *const *res, vecf *const *part, int64_t p, int first,
                  vecf *keep, const int nv)
{
    vecf e[nv], qrow[nv];
    memcpy(e, J->x + p * nv, sizeof e);
    for (int k = 0; k < J->nk && !first; k++) {
        const crf_lattice *L = J->lat[k];
        const int d1 = L->d + 1;
        const int32_t *off = L->off + p * d1;
        const float *sw = L->sw + p * d1;
        switch (d1) {
        case 3: slice(e, res[k], off, sw, J->wk[k], 3, nv); break;
        case 6: slice(e, res[k], off, sw, J->wk[k], 6, nv); break;
        default: slice(e, res[k], off, sw, J->wk[k], d1, nv);
        }
    }
    if (keep) {
        softmax_row(e, keep, nv);
        return;
    }
    softmax_row(e, qrow, nv);
    for (int k = 0; k < J->nk; k++) {
        const crf_lattice *L = J->lat[k];
        const int d1 = L->d + 1;
        const int32_t *off = L->off + p * d1;
        const float *bary = L->bary + p * d1;
        switch (d1) {
        case 3: splat(part[k], qrow, off, bary, 3, nv); break;
        case 6: splat(part[k], qrow, off, bary, 6, nv); break;
        default: splat(part[k], qrow, off, bary, d1, nv);
        }
    }
}

/* One sweep of pixel() over the image, tile by tile (inside a parallel region). */
INLINE void sweep_nv(const job *J, vecf *const *res, vecf *const *part, int first, int last,
                     const int nv)
{
    const int64_t tw = (J->w + TILE - 1) / TILE, tiles = tw * ((J->h + TILE - 1) / TILE);
    #pragma omp for schedule(dynamic, 1)
    for (int64_t t = 0; t < tiles; t++) {
        const int64_t y0 = t / tw * TILE, x0 = t % tw * TILE;
        const int64_t y1 = y0 + TILE < J->h ? y0 + TILE : J->h;
        const int64_t x1 = x0 + TILE < J->w ? x0 + TILE : J->w;
        for (int64_t y = y0; y < y1; y++) {
            const int64_t p0 = y * J->w + x0, len = x1 - x0, n = J->h * J->w;
            vecf seg[last ? TILE * nv : 1];   /* this row of the tile's Q, if last */
            if (first)                        /* the logit planes into padded rows */
                for (int k = 0; k < nv * VW; k++)
                    for (int64_t i = 0; i < len; i++)
                        ((float *)(J->x + (p0 + i) * nv))[k] =
                            k < J->c ? J->logits[k * n + p0 + i] : PAD_LOGIT;
            for (int64_t i = 0; i < len; i++)
                pixel(J, res, part, p0 + i, first, last ? seg + i * nv : NULL, nv);
            if (last)                         /* rows back into the Q planes */
                for (int k = 0; k < J->c; k++)
                    for (int64_t i = 0; i < len; i++)
                        J->q[k * n + p0 + i] = ((const float *)(seg + i * nv))[k];
        }
    }
}

/* sweep_nv with the row length as a constant where it is small: rows stay in registers. */
static void sweep(const job *J, vecf *const *res, vecf *const *part, int first, int last)
{
    switch (J->nv) {
#define CASE(NV) case NV: sweep_nv(J, res, part, first, last, NV); break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8)
#undef CASE
    default: sweep_nv(J, res, part, first, last, J->nv);
    }
}

/* Blur every lattice along its d+1 directions, all lattices in each pass (one barrier a
 * pass); pass 0 reads the sum of the threads' splats, pass 1 zeroes them. res[k]: the
 * buffer holding lattice k's result. Inside a parallel region. */
static void blur(const job *J, vecf *const *part, int nt, vecf *const *buf, vecf **res)
{
    const int nk = J->nk, nv = J->nv;
    int64_t chunks[nk + 1];              /* VCHUNK vertices each, lattice after lattice */
    vecf *src[nk + 1], *dst[nk + 1];
    int maxd = 0;
    chunks[0] = 0;
    for (int k = 0; k < nk; k++) {
        chunks[k + 1] = chunks[k] + (J->lat[k]->m + VCHUNK - 1) / VCHUNK;
        maxd = J->lat[k]->d > maxd ? J->lat[k]->d : maxd;
        src[k] = buf[2 * k + 1];
        dst[k] = buf[2 * k];
    }
    for (int dir = 0; dir <= maxd; dir++) {
        #pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < chunks[nk]; ch++) {
            int k = 0;
            while (ch >= chunks[k + 1]) k++;
            const crf_lattice *L = J->lat[k];
            if (dir > L->d) continue;
            const int64_t v0 = (ch - chunks[k]) * VCHUNK;
            const int64_t v1 = v0 + VCHUNK < L->m ? v0 + VCHUNK : L->m;
            const int32_t *n1 = L->nbr + 2 * dir * L->m, *n2 = n1 + L->m;
            for (int64_t v = v0; v < v1; v++) {
                const int64_t a = n1[v] * (int64_t)nv, b = n2[v] * (int64_t)nv, s = v * nv;
                vecf *o = dst[k] + s;
                if (dir == 0) {
                    for (int j = 0; j < nv; j++) {
                        vecf pa = part[k][a + j], pb = part[k][b + j], ps = part[k][s + j];
                        for (int t = 1; t < nt; t++) {
                            pa += part[t * nk + k][a + j];
                            pb += part[t * nk + k][b + j];
                            ps += part[t * nk + k][s + j];
                        }
                        o[j] = (pa + pb) + 2.0f * ps;
                    }
                } else {
                    for (int j = 0; j < nv; j++)
                        o[j] = (src[k][a + j] + src[k][b + j]) + 2.0f * src[k][s + j];
                }
            }
            if (dir == 1)
                for (int t = 0; t < nt; t++)
                    memset(part[t * nk + k] + v0 * nv, 0, sizeof(vecf) * nv * (v1 - v0));
        }
        for (int k = 0; k < nk; k++)
            if (dir <= J->lat[k]->d) { vecf *t = src[k]; src[k] = dst[k]; dst[k] = t; }
    }
    for (int k = 0; k < nk; k++) res[k] = src[k];
}

/* Q (c, h w) from logits (c, h w) (the planes of one NCHW image) after iters iterations
 * over nk lattices with Potts weights wk. Returns CRF_OK or CRF_NO_MEMORY. */
int crf_meanfield(int64_t h, int64_t w, int c, const float *logits, float *q, int iters,
                  int nk, crf_lattice *const *lat, const float *wk, int nthreads)
{
#ifdef _OPENMP
    const int nt = nthreads > 0 ? nthreads : 1;
#else
    const int nt = 1;
#endif
    const int nv = (c + VW - 1) / VW;
    job J = {h, w, c, nv, nk, logits, wk, q, vec_alloc(h * w * nv), lat};
    vecf *buf[2 * nk + 1], *part[nt * nk + 1];  /* blur ping-pong; each thread's splats */
    int ok = J.x != NULL;
    for (int k = 0; k < nk; k++)
        for (int b = 0; b < 2 + nt; b++) {
            vecf *a = vec_alloc((lat[k]->m + 1) * nv);
            *(b < 2 ? &buf[2 * k + b] : &part[(b - 2) * nk + k]) = a;
            ok = ok && a;
        }
    if (ok) {
        #pragma omp parallel num_threads(nt)
        {
#ifdef _OPENMP
            vecf *const *mine = part + omp_get_thread_num() * nk;
#else
            vecf *const *mine = part;
#endif
            vecf *res[nk + 1];
            sweep(&J, res, mine, 1, iters == 0);
            for (int it = 0; it < iters; it++) {
                blur(&J, part, nt, buf, res);
                sweep(&J, res, mine, 0, it == iters - 1);
            }
        }
    }
    for (int k = 0; k < 2 * nk; k++) free(buf[k]);
    for (int k = 0; k < nt * nk; k++) free(part[k]);
    free(J.x);
    return ok ? CRF_OK : CRF_NO_MEMORY;
}
