"""gc_paused: the cyclic GC is off while a net is read/inferred/run, restored after."""
import gc

import pytest

from caffe2ss.converter.gcpause import gc_paused
from caffe2ss.converter.errors import CaffeError
from caffe2ss.converter.reader.load import load


@pytest.fixture
def gc_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_restores_and_nests(gc_on):
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not turn it back on
    assert gc.isenabled()


def test_left_off_when_the_caller_turned_it_off(gc_on):
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_restored_after_an_error(gc_on, tmp_path):
    bad = tmp_path / "x.prototxt"
    bad.write_text('layer { name: "r" type: "NoSuchType" bottom: "a" top: "a" }\n')
    with pytest.raises(CaffeError):
        load(bad)
    assert gc.isenabled()
