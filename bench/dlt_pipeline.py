"""The same workloads through a small dlt pipeline (rest_api source into DuckDB), for comparison.

    python bench/dlt_pipeline.py --url URL --token T --db PATH --mode list|retrieve
        [--concurrency 4] [--page-size 100] [--workdir DIR] [--loader-file-format parquet]

Run with an interpreter that has dlt (`pip install 'dlt[duckdb]'`), e.g. a separate venv:
bench.py passes `--dlt-python`. dlt's usual shape for this API: a page-number paginator
(`pagination.total_pages`), `results` as the data, merge on `pk` into DuckDB; `retrieve` adds a
child resource that GETs `.../all/{pk}/` for every listed id (parallelized, `concurrency` extract
workers). Prints one BENCH-RESULT line (wall, CPU, peak RSS, rows loaded).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from benchlib import Usage, emit


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--mode", choices=("retrieve", "list"), default="list")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--workdir", default=None, help="dlt's pipelines_dir (default: beside --db)")
    p.add_argument(
        "--loader-file-format",
        choices=("parquet", "jsonl", "insert_values"),
        help="dlt's loader_file_format (default: dlt's own choice for DuckDB)",
    )
    return p


def source_config(args: argparse.Namespace) -> dict[str, Any]:
    listing = {
        "path": "sources/user_connections/all/",
        "params": {"ordering": "pk", "page_size": args.page_size},
        "data_selector": "results",
    }
    client = {
        "base_url": args.url.rstrip("/") + "/api/v3/",
        "auth": {"type": "bearer", "token": args.token},
        "paginator": {
            "type": "page_number",
            "base_page": 1,
            "page_param": "page",
            "total_path": "pagination.total_pages",
        },
    }
    if args.mode == "list":
        resources: list[Any] = [
            {
                "name": "user_source_connections",
                "endpoint": listing,
                "primary_key": "pk",
                "write_disposition": "merge",
            }
        ]
    else:
        resources = [
            {"name": "connection_ids", "endpoint": listing, "selected": False},
            {
                "name": "user_source_connections",
                "endpoint": {
                    "path": "sources/user_connections/all/{resources.connection_ids.pk}/",
                    "paginator": "single_page",
                },
                "primary_key": "pk",
                "write_disposition": "merge",
                "parallelized": True,
            },
        ]
    return {"client": client, "resources": resources}


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("EXTRACT__WORKERS", str(args.concurrency))
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    usage = Usage()
    import dlt
    from dlt.sources.rest_api import rest_api_source

    workdir = args.workdir or os.path.join(os.path.dirname(os.path.abspath(args.db)), ".dlt-pipelines")
    pipeline = dlt.pipeline(
        pipeline_name="authentik_bench",
        destination=dlt.destinations.duckdb(args.db),
        dataset_name="authentik_dlt",  # not the file name: DuckDB would find both
        pipelines_dir=workdir,
        progress=None,
    )
    info = pipeline.run(rest_api_source(source_config(args)), loader_file_format=args.loader_file_format)
    report: dict[str, Any] = usage.stop()
    rows = pipeline.last_trace.last_normalize_info.row_counts if pipeline.last_trace else {}
    report["rows"] = int(rows.get("user_source_connections", 0))
    report["load_failed"] = bool(info.has_failed_jobs)
    report["dlt"] = dlt.__version__
    emit(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
