"""Builders of evaluation sets from footage outside ``../shared/data`` (openly licensed videos and
photos in fetched public repositories), written in the layout ``vision.eval`` reads
(../shared/spec/eval-format.md). Each is run once by hand; the sets are not committed."""
