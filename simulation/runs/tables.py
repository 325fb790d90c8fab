"""The names of a sweep's datasets and folders, shared by its writer and its readers."""

#: The sweep's folder of configurations, one ``<config_id>.yaml`` each.
CONFIGS = "configs"
#: A sweep's datasets, one folder each: a batch of runs writes one file to each, with the same name, the summary
#: last (it marks the batch as complete).
TABLES = ("timeseries", "registry", "spending", "summary")
