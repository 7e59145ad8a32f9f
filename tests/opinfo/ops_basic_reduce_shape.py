"""Records for the core shape ops (sum/mean records are in ops_reduction.py)."""



from .core import ErrorInput, OpRecord, Sample, T

RECORDS = [
    OpRecord("reshape", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1),
             [Sample((T((2, 6)),)), Sample((T((3, 4)),))], second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 5)),), {}, RuntimeError,
                                r"reshape: shape \(4, -1\) is invalid for input of size 10")]),
    OpRecord("expand", lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4),
             [Sample((T((3, 1)),)), Sample((T((4,)),))], second_order=True, jvp=True,
             errors=[ErrorInput((T((2, 4)),), {}, RuntimeError,
                                r"expand: the expanded size of the tensor \(3\) must match the "
                                r"existing size \(2\)")]),
    OpRecord("permute", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1),
             [Sample((T((2, 3, 4)),))], second_order=True, jvp=True),
    OpRecord("transpose", lambda x: x.transpose(0, -1), lambda x: x.transpose(0, -1),
             [Sample((T((2, 3, 4)),)), Sample((T((3,)),))], jvp=True),
]
