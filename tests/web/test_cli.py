from __future__ import annotations

from registry.demo import sample_csv
from registry.tokens import TokenService


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
