/* DeepLab's mean-field loop over crf_lattice objects (lattice.c), as ../crf.py's torch
 * path runs it: Q = softmax(x), then per iteration
 *     Q = softmax(x + sum_k w_k norm_k K_k Q),   K_k Q = slice(blur(splat(Q))).
 * One sweep over the pixels slices the messages, takes the softmax and splats the new Q
 * at once (each thread into its own partial sums), so Q is only stored after the last
 * iteration. Pixels are swept in TILE x TILE tiles: a tile's pixels share few lattice
 * vertices, which then stay in cache. The blur computes 2 v + v[n1] + v[n2] per
 * direction (the 2^(d+1) is folded into the slice weights).
 *
 * Pixel rows hold C rounded up to VW floats; padded classes carry the logit PAD_LOGIT,
 * so their Q is 0 and they add nothing to any message. Vertex values are kept in column
 * segments of at most 16 floats (one cache line a vertex; C = 21: 16 + 8), each its own
 * array: the blur of one lattice's segment is independent of all others, so threads
 * take whole (lattice, segment) blurs and meet only twice an iteration (after the
 * sweep, after the blur), which keeps them from waiting on each other on a busy machine.
 * Vertex row m of every array stays zero ("absent").
 */
#define _POSIX_C_SOURCE 200112L  /* posix_memalign */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "crf.h"
#include "vec.h"

#define PAD_LOGIT (-1e30f)
#define TILE CRF_TILE
/* vectors in segment s of a row of nv */
#define WIDTH(s, nv) (((s) + 1) * SEG <= (nv) ? SEG : (nv) - (s) * SEG)

typedef struct {
    int64_t h, w;
    int c, nv, nseg, nk;           /* classes, vectors a pixel row, segments, kernels */
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

/* count zeroed vectors, cache-line aligned, or NULL. */
static vecf *vec_alloc(int64_t count)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, sizeof(vecf) * (count > 0 ? count : 1))) return NULL;
    return memset(p, 0, sizeof(vecf) * count);
}

/* Vector j of vertex v's row, stored as column segments seg[0..] of SEG vectors. */
INLINE vecf *at(vecf *const *seg, int64_t v, int j, const int nv)
{
    return seg[j / SEG] + v * WIDTH(j / SEG, nv) + j % SEG;
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
        const int d1 = J->lat[k]->d + 1;
        const int32_t *off = J->lat[k]->off + p * d1;
        const float *sw = J->lat[k]->sw + p * d1;
#define SLICE(D1) for (int r = 0; r < D1; r++) {                                  \
            const float a = J->wk[k] * sw[r];                                      \
            for (int j = 0; j < nv; j++) e[j] += a * *at(res + k * J->nseg, off[r], j, nv); }
        switch (d1) { case 3: SLICE(3) break; case 6: SLICE(6) break; default: SLICE(d1) }
    }
    if (keep) {
        softmax_row(e, keep, nv);
        return;
    }
    softmax_row(e, qrow, nv);
    for (int k = 0; k < J->nk; k++) {
        const int d1 = J->lat[k]->d + 1;
        const int32_t *off = J->lat[k]->off + p * d1;
        const float *bary = J->lat[k]->bary + p * d1;
#define SPLAT(D1) for (int r = 0; r < D1; r++) {                                  \
            const float a = bary[r];                                               \
            for (int j = 0; j < nv; j++) *at(part + k * J->nseg, off[r], j, nv) += a * qrow[j]; }
        switch (d1) { case 3: SPLAT(3) break; case 6: SPLAT(6) break; default: SPLAT(d1) }
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

/* sweep_nv with the row length a constant for up to 8, 16, 24 or 32 classes: rows stay
 * in registers (more cases would make the first build, cached, slower). */
static void sweep(const job *J, vecf *const *res, vecf *const *part, int first, int last)
{
    switch (J->nv) {
#define CASE(NV) case NV: sweep_nv(J, res, part, first, last, NV); break;
    CASE(8 / VW) CASE(16 / VW) CASE(24 / VW) CASE(32 / VW)
#undef CASE
    default: sweep_nv(J, res, part, first, last, J->nv);
    }
}

/* Segment s (w vectors a vertex) of lattice L blurred along its d+1 directions: the
 * first direction reads the sum of the nt threads' splats part[t] (then zeroed), the
 * others ping-pong between a and b. Returns the buffer holding the result. */
INLINE vecf *blur_w(const crf_lattice *L, vecf *const *part, int nt, vecf *a, vecf *b,
                    const int w)
{
    const int32_t *n1 = L->nbr, *n2 = n1 + L->m;
    for (int64_t v = 0; v < L->m; v++)
        for (int j = 0; j < w; j++) {
            const int64_t i1 = n1[v] * (int64_t)w + j, i2 = n2[v] * (int64_t)w + j, i = v * w + j;
            vecf s1 = part[0][i1], s2 = part[0][i2], s = part[0][i];
            for (int t = 1; t < nt; t++) {
                s1 += part[t][i1];
                s2 += part[t][i2];
                s += part[t][i];
            }
            a[i] = (s1 + s2) + 2.0f * s;
        }
    for (int t = 0; t < nt; t++) memset(part[t], 0, sizeof(vecf) * w * L->m);
    for (int dir = 1; dir <= L->d; dir++) {
        n1 = L->nbr + 2 * dir * L->m, n2 = n1 + L->m;
        for (int64_t v = 0; v < L->m; v++)
            for (int j = 0; j < w; j++)
                b[v * w + j] = (a[n1[v] * (int64_t)w + j] + a[n2[v] * (int64_t)w + j])
                               + 2.0f * a[v * w + j];
        vecf *t = a; a = b; b = t;
    }
    return a;
}

static vecf *blur(const crf_lattice *L, vecf *const *part, int nt, vecf *a, vecf *b, int w)
{
    switch (w) {
    case 1: return blur_w(L, part, nt, a, b, 1);
    case 2: return blur_w(L, part, nt, a, b, 2);
    case 4: return blur_w(L, part, nt, a, b, 4);
    default: return blur_w(L, part, nt, a, b, w);
    }
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
    const int nv = (c + VW - 1) / VW, nseg = (nv + SEG - 1) / SEG, items = nk * nseg;
    job J = {h, w, c, nv, nseg, nk, logits, wk, q, vec_alloc(h * w * nv), lat};
    /* per (lattice, segment) item: blur ping-pong, each thread's splats; result */
    vecf *buf[2 * items + 1], *part[nt * items + 1], *res[items + 1];
    int order[items + 1], ok = J.x != NULL;
    for (int i = 0; i < items; i++) {
        const int64_t size = (lat[i / nseg]->m + 1) * WIDTH(i % nseg, nv);
        for (int b = 0; b < 2 + nt; b++) {
            vecf *a = vec_alloc(size);
            *(b < 2 ? &buf[2 * i + b] : &part[(b - 2) * items + i]) = a;
            ok = ok && a;
        }
        order[i] = i;
    }
    for (int i = 1; i < items; i++)  /* the longest blurs first: the threads end together */
        for (int j = i; j > 0; j--) {
            const crf_lattice *A = lat[order[j] / nseg], *B = lat[order[j - 1] / nseg];
            if ((A->d + 1) * A->m * WIDTH(order[j] % nseg, nv) <=
                (B->d + 1) * B->m * WIDTH(order[j - 1] % nseg, nv)) break;
            int t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
        }
    if (ok) {
        #pragma omp parallel num_threads(nt)
        {
#ifdef _OPENMP
            vecf *const *mine = part + omp_get_thread_num() * items;
#else
            vecf *const *mine = part;
#endif
            sweep(&J, res, mine, 1, iters == 0);
            for (int it = 0; it < iters; it++) {
                #pragma omp for schedule(dynamic, 1)
                for (int o = 0; o < items; o++) {
                    const int i = order[o];
                    vecf *parts[nt];
                    for (int t = 0; t < nt; t++) parts[t] = part[t * items + i];
                    res[i] = blur(lat[i / nseg], parts, nt, buf[2 * i], buf[2 * i + 1],
                                  WIDTH(i % nseg, nv));
                }
                sweep(&J, res, mine, 0, it == iters - 1);
            }
        }
    }
    for (int i = 0; i < 2 * items; i++) free(buf[i]);
    for (int i = 0; i < nt * items; i++) free(part[i]);
    free(J.x);
    return ok ? CRF_OK : CRF_NO_MEMORY;
}
