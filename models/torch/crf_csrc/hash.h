/* caffe2ss DenseCRF kernel: the lattice's hash table (lattice.c), open addressing over
 * packed vertex codes (codes are >= 0; -1 marks an empty slot). */
#ifndef CAFFE2SS_CRF_HASH_H
#define CAFFE2SS_CRF_HASH_H
#include <stdlib.h>
#include <string.h>

#include "crf.h"

typedef struct { int64_t *key; int32_t *val; uint64_t mask; } table;

static inline uint64_t mix(uint64_t k)
{
    k ^= k >> 31;
    k *= 0x9e3779b97f4a7c15ULL;
    return k ^ (k >> 29);
}

static int32_t lookup(const table *t, int64_t code, int32_t absent)
{
    for (uint64_t h = mix(code) & t->mask;; h = (h + 1) & t->mask) {
        if (t->key[h] == code) return t->val[h];
        if (t->key[h] < 0) return absent;
    }
}

static int table_init(table *t, uint64_t cap)
{
    t->mask = cap - 1;
    t->key = malloc(sizeof(int64_t) * cap);
    t->val = malloc(sizeof(int32_t) * cap);
    if (!t->key || !t->val) return CRF_NO_MEMORY;
    memset(t->key, 0xff, sizeof(int64_t) * cap);
    return CRF_OK;
}

/* *out = the vertex of code; a new code gets the next number (and codes[number]). */
static int insert(table *t, int64_t code, int64_t *codes, int32_t *count, int32_t *out)
{
    uint64_t h = mix(code) & t->mask;
    for (; t->key[h] >= 0; h = (h + 1) & t->mask)
        if (t->key[h] == code) { *out = t->val[h]; return CRF_OK; }
    t->key[h] = code; t->val[h] = *out = *count; codes[(*count)++] = code;
    if ((uint64_t)*count * 2 <= t->mask) return CRF_OK;
    table old = *t;                                   /* half full: double it */
    if (table_init(t, (old.mask + 1) * 2)) { free(old.key); free(old.val); return CRF_NO_MEMORY; }
    for (uint64_t i = 0; i <= old.mask; i++)
        if (old.key[i] >= 0) {
            uint64_t g = mix(old.key[i]) & t->mask;
            while (t->key[g] >= 0) g = (g + 1) & t->mask;
            t->key[g] = old.key[i]; t->val[g] = old.val[i];
        }
    free(old.key); free(old.val);
    return CRF_OK;
}

#endif
