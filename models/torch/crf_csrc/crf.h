/* caffe2ss DenseCRF CPU kernel (see lattice.c and meanfield.c): shared declarations.
 *
 * Built at run time by ../crf_native.py (cc -O3 -shared -fPIC -ffp-contract=off
 * [-fopenmp] lattice.c meanfield.c) and called through ctypes; without OpenMP it runs on
 * one thread. Indices are int32 (a lattice holds fewer than 2^31 simplex corners).
 */
#ifndef CAFFE2SS_CRF_H
#define CAFFE2SS_CRF_H
#include <stdint.h>

#define CRF_TILE 32   /* pixels are visited in CRF_TILE x CRF_TILE tiles */

enum { CRF_OK = 0, CRF_TOO_MANY_CELLS = 1, CRF_NO_MEMORY = 2, CRF_TOO_LARGE = 3 };

typedef struct {
    int d;            /* feature dimensions */
    int64_t n, m, w;  /* pixels, vertices, image width */
    int32_t *off;     /* (n, d+1) vertex of each simplex corner */
    float *bary;      /* (n, d+1) barycentric weights */
    float *sw;        /* (n, d+1) slice weights: bary * alpha * norm / 2^(d+1) */
    int32_t *nbr;     /* (d+1, 2, m) blur neighbours along each direction; m: absent */
} crf_lattice;

#endif
