from pipeline.orchestration import metadata as md


def test_histogram_counts_every_value_once_in_power_of_two_buckets():
    values = {"short": [1, 3, 100, 5000], "long": [700, 8191, 9000]}
    records = md.histogram(values, bins=6).value.records
    assert sum(r.data["short"] for r in records) == 4 and sum(r.data["long"] for r in records) == 3
    labels = [r.data["tokens"] for r in records]
    assert labels[0] == "0-511" and labels[-1] == "8192-16383"  # six buckets, the first one open
    assert records[-1].data == {"tokens": "8192-16383", "short": 0, "long": 1}
