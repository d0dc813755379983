"""A seller's objections to a record, and the record's source deciding them.

A merchant disputes an event or a regulator's finding (``correction``), or asks for its
removal from the abnormal-operations list or for credit repair; every request reaches the
queue of the source that recorded the record (a regulator, for findings), and the decision
is published beside the record.
"""
