/* The permutohedral lattice of ../crf_lattice.py and ../crf_simplex.py (Krähenbühl's
 * Permutohedral::init), built for one image: the same float32 operations in the same
 * order, so the same vertices and barycentric weights. Vertices are numbered in order of
 * first appearance (pixel order, as the reference's hash table does), which keeps a
 * vertex's pixels close in memory. Then the blur neighbours, and NORMALIZE_AFTER's
 * 1 / (K 1) folded into the slice weights.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crf.h"
#include "hash.h"

#define INLINE static inline __attribute__((always_inline))
#define MAX_D 15

/* crf_simplex.py's elevate, enclosing_simplex and barycentric for one feature vector. */
INLINE void simplex(const float *f, const int d, const float *scale, float down,
                    int32_t *rem, int32_t *rank, float *bary)
{
    const int d1 = d + 1;
    float el[MAX_D + 1], res[MAX_D + 1], b[MAX_D + 2] = {0}, sm = 0.f, total = 0.f;
    for (int j = d; j > 0; j--) {
        float cf = f[j - 1] * scale[j - 1];
        el[j] = sm - (float)j * cf;
        sm = sm + cf;
    }
    el[0] = sm;
    for (int i = 0; i < d1; i++) {
        float v = rintf(el[i] * down);                /* half to even, as torch.round */
        float r0 = v * (float)d1;
        rem[i] = (int32_t)r0;
        res[i] = el[i] - r0;
        total += v;
    }
    for (int i = 0; i < d1; i++) rank[i] = (int32_t)total + i;
    for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d1; j++)
            if (res[i] < res[j]) { rank[i]++; rank[j]--; }
    for (int i = 0; i < d1; i++) {
        int32_t wrap = ((rank[i] > d) - (rank[i] < 0)) * d1;
        rem[i] -= wrap;
        rank[i] -= wrap;
    }
    for (int i = 0; i < d1; i++) b[d - rank[i]] += (el[i] - (float)rem[i]) * down;
    for (int i = 0; i < d1; i++) b[d - rank[i] + 1] += -((el[i] - (float)rem[i]) * down);
    b[0] += 1.0f + b[d1];
    for (int r = 0; r < d1; r++) bary[r] = b[r];
}

/* simplex() for every pixel, d a constant where it is common (loops unrolled). */
static void geometry(const float *feat, int64_t n, int d, int32_t *rem, int32_t *rank,
                     float *bary, int nthreads)
{
    float scale[MAX_D];
    const double inv_std = (float)(sqrt(2.0 / 3.0) * (d + 1));
    for (int i = 0; i < d; i++) scale[i] = (float)(inv_std / sqrt((double)(i + 2) * (i + 1)));
    const float down = (float)(1.0 / (d + 1));
    #pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t p = 0; p < n; p++) {
        const int64_t e = p * (d + 1);
        switch (d) {
        case 2: simplex(feat + p * 2, 2, scale, down, rem + e, rank + e, bary + e); break;
        case 5: simplex(feat + p * 5, 5, scale, down, rem + e, rank + e, bary + e); break;
        default: simplex(feat + p * d, d, scale, down, rem + e, rank + e, bary + e);
        }
    }
}

void crf_lattice_free(crf_lattice *L)
{
    if (!L) return;
    free(L->off); free(L->bary); free(L->sw); free(L->nbr); free(L);
}

int64_t crf_lattice_vertices(const crf_lattice *L) { return L->m; }

void crf_lattice_bary(const crf_lattice *L, float *out)
{
    memcpy(out, L->bary, sizeof(float) * L->n * (L->d + 1));
}

static int finish(crf_lattice *L, const int32_t *rem, const int32_t *rank, int nthreads);

/* The lattice of an image's features feat (h w, d), already divided by their std;
 * vertices numbered in order of first appearance, pixels taken tile by tile. */
crf_lattice *crf_lattice_new(const float *feat, int64_t h, int64_t w, int d, int nthreads,
                             int *status)
{
    const int64_t n = h * w;
    const int d1 = d + 1;
    const int64_t nc = n * d1;
    *status = CRF_TOO_LARGE;
    if (d < 1 || d > MAX_D || n < 1 || nc >= INT32_MAX) return NULL;
    crf_lattice *L = calloc(1, sizeof *L);
    int32_t *rem = malloc(sizeof(int32_t) * nc), *rank = malloc(sizeof(int32_t) * nc);
    *status = CRF_NO_MEMORY;
    if (L) {
        L->d = d; L->n = n; L->w = w;
        L->off = malloc(sizeof(int32_t) * nc); L->bary = malloc(sizeof(float) * nc);
        L->sw = malloc(sizeof(float) * nc);
    }
    if (L && rem && rank && L->off && L->bary && L->sw) {
        geometry(feat, n, d, rem, rank, L->bary, nthreads);
        *status = finish(L, rem, rank, nthreads);
    }
    free(rem); free(rank);
    if (*status != CRF_OK) { crf_lattice_free(L); return NULL; }
    return L;
}

/* Pack and number the vertices, then the blur neighbours and the slice weights. */
static int finish(crf_lattice *L, const int32_t *rem, const int32_t *rank, int nthreads)
{
    const int d = L->d, d1 = d + 1;
    const int64_t n = L->n, nc = n * d1;
    int64_t low[d], radix[d], total = 1, ones = 0;
    for (int i = 0; i < d; i++) {    /* crf_simplex.pack: mixed radix, margins of 2(d+1) */
        int32_t lo = rem[i], hi = rem[i];
        for (int64_t e = i; e < nc; e += d1) {
            lo = rem[e] < lo ? rem[e] : lo;
            hi = rem[e] > hi ? rem[e] : hi;
        }
        low[i] = (int64_t)lo - 2 * d1;
        int64_t ext = hi - low[i] + 2 * d1 + 1;
        if (ext > (((int64_t)1 << 62) - 1) / total) return CRF_TOO_MANY_CELLS;
        radix[i] = total;
        total *= ext;
        ones += radix[i];
    }
    table t = {0};
    uint64_t cap = 1024;
    while (cap < (uint64_t)nc / 4) cap <<= 1;
    int64_t *codes = malloc(sizeof(int64_t) * nc), *corner = malloc(sizeof(int64_t) * nc);
    int st = codes && corner ? table_init(&t, cap) : CRF_NO_MEMORY;
    if (st == CRF_OK) {
        /* vertex r's key_i = rem_i + (rank_i <= d - r ? r : r - (d+1)): going from r - 1
         * to r adds 1 to every coordinate and takes d+1 off the one ranked d + 1 - r */
        #pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t p = 0; p < n; p++) {
            const int32_t *rm = rem + p * d1, *rk = rank + p * d1;
            int64_t code = 0, drop[MAX_D + 2];
            for (int i = 0; i < d; i++) {
                code += (rm[i] - low[i]) * radix[i];
                drop[rk[i]] = d1 * radix[i];
            }
            drop[rk[d]] = 0;                          /* coordinate d is not in the key */
            corner[p * d1] = code;
            for (int r = 1; r < d1; r++) corner[p * d1 + r] = code += ones - drop[d1 - r];
        }
    }
    int32_t m = 0;
    const int64_t w = L->w, tw = (w + CRF_TILE - 1) / CRF_TILE, h = n / w;
    for (int64_t tile = 0; tile < tw * ((h + CRF_TILE - 1) / CRF_TILE); tile++)
        for (int64_t y = tile / tw * CRF_TILE; y < h && y < (tile / tw + 1) * CRF_TILE; y++)
            for (int64_t x = tile % tw * CRF_TILE; x < w && x < (tile % tw + 1) * CRF_TILE; x++)
                for (int64_t e = (y * w + x) * d1; e < (y * w + x + 1) * d1 && st == CRF_OK; e++)
                    st = insert(&t, corner[e], codes, &m, L->off + e);
    free(corner);
    L->m = m;
    L->nbr = st ? NULL : malloc(sizeof(int32_t) * 2 * d1 * (m > 0 ? m : 1));
    float *a = calloc(m + 1, sizeof(float)), *b = calloc(m + 1, sizeof(float));
    if (st || !L->nbr || !a || !b) st = CRF_NO_MEMORY;
    if (st == CRF_OK) {
        int32_t *nbr = L->nbr;
        #pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t v = 0; v < m; v++)
            for (int j = 0; j < d1; j++) {   /* key - (1..1) + (d+1) e_j and its inverse */
                int64_t step = -ones + (j < d ? d1 * radix[j] : 0);
                nbr[(2 * j) * (int64_t)m + v] = lookup(&t, codes[v] + step, m);
                nbr[(2 * j + 1) * (int64_t)m + v] = lookup(&t, codes[v] - step, m);
            }
        /* K 1 as crf_lattice.Lattice.filter computes it: splat, (a + b) / 2 + v, slice;
         * one value a vertex: one thread (no fork and join a direction) */
        for (int64_t e = 0; e < nc; e++) a[L->off[e]] += L->bary[e];   /* splat, in pixel order */
        for (int j = 0; j < d1; j++) {
            const int32_t *n1 = nbr + 2 * j * (int64_t)m, *n2 = n1 + m;
            for (int64_t v = 0; v < m; v++) b[v] = (a[n1[v]] + a[n2[v]]) * 0.5f + a[v];
            float *s = a; a = b; b = s;
        }
        const float alpha = (float)(1.0 / (1.0 + pow(2.0, -d))), unblur = ldexpf(1.f, -d1);
        #pragma omp parallel for num_threads(nthreads) schedule(static)
        for (int64_t p = 0; p < n; p++) {
            float s = 0.f, *w = L->sw + p * d1;
            for (int r = 0; r < d1; r++) {
                w[r] = L->bary[p * d1 + r] * alpha;
                s += w[r] * a[L->off[p * d1 + r]];
            }
            float norm = 1.0f / (s + 1e-20f);
            for (int r = 0; r < d1; r++) w[r] *= norm * unblur;
        }
    }
    free(a); free(b); free(codes); free(t.key); free(t.val);
    return st;
}
