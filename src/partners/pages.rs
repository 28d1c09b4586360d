//! Partner pages: the managers' registry and report, the partner staff's own shop.
