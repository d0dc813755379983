from __future__ import annotations

from registry.demo.generate import sample_csv
from registry.trust.tokens import TokenService

from ..factories import new_code


def test_create_token_prints_it_once_and_it_works(runner, app, session):
    result = runner.invoke(args=["create-token", "--role", "regulator", "--name", "市监局"])
    assert result.exit_code == 0
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("mrt_")
    principal = TokenService(session).authenticate(f"Bearer {token}")
    assert principal.role == "regulator" and principal.name == "市监局"
    raw = session.connection().exec_driver_sql("SELECT digest, prefix FROM api_token").all()
    assert token not in {cell for row in raw for cell in row}


def test_import_registrations_file_with_summary_and_line_numbers(runner, tmp_path):
    body = sample_csv(4) + "91110000600037341A,坏记录\n".encode("gb18030")
    path = tmp_path / "batch.csv"
    path.write_bytes(body)
    result = runner.invoke(args=["import-registrations", str(path)])
    assert "4 created" in result.output and "1 rejected" in result.output
    assert "batch.csv:6: rejected" in result.output
    assert result.exit_code == 1
    again = runner.invoke(args=["import-registrations", str(path)])
    assert "4 unchanged" in again.output


def test_import_unreadable_file_is_a_message(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    result = runner.invoke(args=["import-registrations", str(path)])
    assert result.exit_code != 0 and "line 1" in result.output


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def test_import_of_json_nested_5000_deep_is_one_line_naming_the_line(runner, tmp_path, session):
    path = tmp_path / "deep.json"
    path.write_bytes(b'[{"uscc": "x"},\n' + b"[" * 5000 + b"]" * 5000 + b"]")
    result = runner.invoke(args=["import-registrations", str(path)])
    _no_traceback(result)
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert "deep.json: line 2: JSON nested deeper than 16 levels" in line


def test_import_of_a_6000_digit_number_rejects_that_record(runner, tmp_path, session):
    path = tmp_path / "long.jsonl"
    good = f'{{"uscc": "{new_code()}", "name": "甲有限公司"}}'
    path.write_text(f'{good}\n{{"uscc": {"1" * 6000}, "name": "乙"}}\n')
    result = runner.invoke(args=["import-registrations", str(path)])
    _no_traceback(result)
    assert result.exit_code == 1
    assert "long.jsonl:2: rejected: record: uscc: a number of 6000 characters" in result.output
    assert "1 created" in result.output and "1 rejected" in result.output


def test_import_of_a_6000_digit_number_in_a_json_array(runner, tmp_path, session):
    path = tmp_path / "long.json"
    path.write_text('[{"uscc": ' + "1" * 6000 + ', "name": "乙"}]')
    result = runner.invoke(args=["import-registrations", str(path)])
    _no_traceback(result)
    assert (
        result.exit_code == 1 and "long.json:1: rejected: record: uscc: a number" in result.output
    )


def test_import_of_a_csv_with_an_oversize_field_writes_nothing(runner, tmp_path, session):
    path = tmp_path / "big.csv"
    path.write_text(f'uscc,name\n{new_code()},甲有限公司\n"{"x" * 200_000}\n",乙\n')
    result = runner.invoke(args=["import-registrations", str(path)])
    _no_traceback(result)
    assert result.exit_code == 1 and "big.csv: line 3: unreadable CSV" in result.output
    assert session.connection().exec_driver_sql("SELECT count(*) FROM seller").scalar_one() == 0


def test_import_with_an_unknown_encoding_is_a_message(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("uscc,name\n1,2\n")
    result = runner.invoke(args=["import-registrations", str(path), "--encoding", "x-unknown"])
    _no_traceback(result)
    assert result.exit_code == 1 and "unsupported charset 'x-unknown'" in result.output


def test_import_of_a_jsonl_line_past_the_limit_rejects_that_line(runner, tmp_path, session):
    path = tmp_path / "huge.jsonl"
    good = f'{{"uscc": "{new_code()}", "name": "甲有限公司"}}'
    path.write_text(f'{good}\n{{"uscc": "x", "name": "{"乙" * 1_100_000}"}}\n')
    result = runner.invoke(args=["import-registrations", str(path)])
    _no_traceback(result)
    assert result.exit_code == 1 and "1 created" in result.output
    assert "huge.jsonl:2: rejected: record: a line of 1100025 characters" in result.output


def test_a_second_nodes_scheduler_runs_only_its_index_jobs(app, runner):
    from web import jobs

    scheduler = jobs.build_scheduler(app, blocking=False, index_only=True)
    assert sorted(job.id for job in scheduler.get_jobs()) == sorted(jobs.NODE_JOBS)
    refused = runner.invoke(args=["scheduler", "--index-only", "--now", "rescore-all"])
    assert refused.exit_code == 2 and "reindex-changed, index-compaction" in refused.output
