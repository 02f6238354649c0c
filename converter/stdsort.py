"""libstdc++'s ``std::sort``, step for step, so that elements that compare equal end up
in the order real Caffe (built with GCC) leaves them.

``std::sort`` is not stable: SSD's DetectionOutput sorts ``(score, (label, index))``
pairs by score alone before ``keep_top_k`` (``detection_output_layer.cpp``), so the
order of equal scores, and which of them survive the cut, is whatever GCC's introsort
makes of the input order. This is that introsort (``bits/stl_algo.h``: depth limit
``2 * floor(log2(n))``, median-of-three pivot moved to the front, unguarded
partition, heapsort past the depth limit, then one insertion sort over runs of 16).
"""
from __future__ import annotations

from typing import Callable, MutableSequence

#: libstdc++'s ``_S_threshold``: ranges this short are left to the final insertion sort.
THRESHOLD = 16


def std_sort(a: MutableSequence, less: Callable[[object, object], bool]) -> None:
    """Sort ``a`` in place exactly as ``std::sort(a.begin(), a.end(), less)`` does."""
    n = len(a)
    if n > 1:
        _introsort_loop(a, 0, n, 2 * (n.bit_length() - 1), less)
        _final_insertion_sort(a, 0, n, less)


def _introsort_loop(a, first, last, depth, less) -> None:
    while last - first > THRESHOLD:
        if depth == 0:
            _heap_sort(a, first, last, less)  # std::__partial_sort(first, last, last)
            return
        depth -= 1
        cut = _partition_pivot(a, first, last, less)
        _introsort_loop(a, cut, last, depth, less)
        last = cut


def _partition_pivot(a, first, last, less) -> int:
    mid = first + (last - first) // 2
    _move_median_to_first(a, first, first + 1, mid, last - 1, less)
    return _unguarded_partition(a, first + 1, last, first, less)


def _move_median_to_first(a, result, i, j, k, less) -> None:
    if less(a[i], a[j]):
        if less(a[j], a[k]):
            m = j
        elif less(a[i], a[k]):
            m = k
        else:
            m = i
    elif less(a[i], a[k]):
        m = i
    elif less(a[j], a[k]):
        m = k
    else:
        m = j
    a[result], a[m] = a[m], a[result]


def _unguarded_partition(a, first, last, pivot, less) -> int:
    while True:
        while less(a[first], a[pivot]):
            first += 1
        last -= 1
        while less(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _final_insertion_sort(a, first, last, less) -> None:
    if last - first > THRESHOLD:
        _insertion_sort(a, first, first + THRESHOLD, less)
        for i in range(first + THRESHOLD, last):
            _unguarded_linear_insert(a, i, less)
    else:
        _insertion_sort(a, first, last, less)


def _insertion_sort(a, first, last, less) -> None:
    for i in range(first + 1, last):
        if less(a[i], a[first]):
            val = a[i]
            a[first + 1:i + 1] = a[first:i]  # move_backward
            a[first] = val
        else:
            _unguarded_linear_insert(a, i, less)


def _unguarded_linear_insert(a, last, less) -> None:
    val = a[last]
    nxt = last - 1
    while less(val, a[nxt]):
        a[last] = a[nxt]
        last = nxt
        nxt -= 1
    a[last] = val


# ---------------------------------------------------------------- heapsort (depth limit)
def _heap_sort(a, first, last, less) -> None:
    """``std::__make_heap`` then ``std::__sort_heap`` over ``[first, last)``."""
    n = last - first
    if n >= 2:
        parent = (n - 2) // 2
        while True:
            _adjust_heap(a, first, parent, n, a[first + parent], less)
            if parent == 0:
                break
            parent -= 1
    while last - first > 1:
        last -= 1
        val = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, val, less)


def _adjust_heap(a, first, hole, n, val, less) -> None:
    top = hole
    child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if less(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and less(a[first + parent], val):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = val
