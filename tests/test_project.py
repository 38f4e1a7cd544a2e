"""The project keeps its promises: README commands, CI script, pins and Streamlit config."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_has_one_command_to_start_the_app_and_one_to_run_the_tests():
    commands = readme_commands()
    assert len(commands) == 2
    assert any("streamlit run app.py" in c and "requirements.txt" in c for c in commands)
    assert any("pytest" in c and "requirements-dev.txt" in c for c in commands)


def test_ci_runs_exactly_the_readme_test_command():
    test_command = next(c for c in readme_commands() if "pytest" in c)
    ci_lines = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci_lines[-1] == test_command


def test_ci_installs_chromium_and_haproxy_before_the_tests():
    script = (ROOT / ".ci/run").read_text()
    assert "apt-get install" in script
    assert "missing+=(chromium)" in script and "missing+=(haproxy)" in script


def test_torch_is_pinned_exactly_to_2_13_0():
    assert "torch==2.13.0" in (ROOT / "requirements.txt").read_text().split()


def test_streamlit_config_never_phones_home_and_skips_the_post_run_gc():
    config = tomllib.loads((ROOT / ".streamlit/config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["browser"]["serverAddress"] == "localhost"
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["headless"] is True and config["server"]["fileWatcherType"] == "none"
    assert config["server"]["enableXsrfProtection"] is True


def test_lib_never_imports_streamlit_and_handwritten_never_imports_torch():
    for module in (ROOT / "lib").glob("**/*.py"):
        assert "import streamlit" not in module.read_text(), module
    assert "torch" not in re.findall(r"^(?:import|from) (\w+)", (ROOT / "lib/losses/handwritten.py").read_text(), re.M)
