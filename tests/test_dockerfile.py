"""The Dockerfile, checked without a Docker engine (none runs on these machines): its text is
parsed into instructions and held against the Makefile, requirements.lock and pyproject.toml, and
the console script it uses as ENTRYPOINT is installed into a fresh venv and run from there."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

from bot.config import OpsConfig


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: FROM, RUN, ...
    args: str  # the rest, continuation lines joined


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions in order: comment lines dropped (also inside a continuation, as Docker does),
    backslash continuations joined with a space."""
    instructions: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        full = pending + line
        pending = ""
        name, _, args = full.partition(" ")
        instructions.append(Instruction(name.upper(), args.strip()))
    assert "" == pending, "the Dockerfile ends inside a continuation"
    return instructions


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    """One list per FROM, each starting with its FROM."""
    out: list[list[Instruction]] = []
    for ins in instructions:
        if ins.name == "FROM":
            out.append([])
        assert out, f"{ins.name} before the first FROM"
        out[-1].append(ins)
    return out


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"not the exec (JSON) form: {args}"
    return [str(v) for v in value]


def pip_installs(commands: list[str]) -> list[list[str]]:
    """The arguments after `pip install` of every pip install in these shell commands."""
    found = []
    for command in commands:
        for part in re.split(r"&&|;", command):
            if "pip" not in part:  # e.g. half of a `python -c "a; b"` the split cut
                continue
            words = shlex.split(part)
            for i in range(len(words) - 1):
                if words[i].endswith("pip") and words[i + 1] == "install":
                    found.append(words[i + 2 :])
                    break
    return found


def without_option(args: list[str], option: str) -> list[str]:
    """`args` with `option VALUE` removed."""
    out, skip = [], False
    for word in args:
        if skip:
            skip = False
        elif word == option:
            skip = True
        else:
            out.append(word)
    return out


def with_build_args(instructions: list[Instruction]) -> list[Instruction]:
    """RUN commands with each `$NAME` / `${NAME}` of an ARG replaced by the ARG's default, as a
    build without --build-arg sees them."""
    out, defaults = [], {}
    for ins in instructions:
        if ins.name == "ARG":
            name, _, default = ins.args.partition("=")
            defaults[name.strip()] = default.strip()
        elif ins.name == "RUN":
            args = ins.args
            for name, value in defaults.items():
                args = re.sub(rf"\$(?:\{{{name}\}}|{name}\b)", value, args)
            ins = Instruction("RUN", args)
        out.append(ins)
    return out


DOCKERFILE_TEXT = (ROOT / "Dockerfile").read_text(encoding="utf-8")
DOCKERFILE = with_build_args(parse_dockerfile(DOCKERFILE_TEXT))
STAGES = stages(DOCKERFILE)
RUNTIME = STAGES[-1]
RUNS = [i.args for i in DOCKERFILE if i.name == "RUN"]
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
MAKE_INSTALLS = pip_installs(
    [
        line.replace("$(BIN)/python -m pip", "pip")
        for line in MAKEFILE.splitlines()
        if "pip install" in line
    ]
)
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def torch_pins(installs: list[list[str]]) -> list[str]:
    return [w for args in installs for w in args if w.startswith("torch==")]


def test_parser_reads_continuations_and_comments() -> None:
    """The little parser joins backslash lines and drops comments, also inside a continuation."""
    text = 'FROM python:3.11-slim AS a\n# note\nRUN a \\\n# inside\n && b\nCMD ["x"]\n'
    assert [
        Instruction("FROM", "python:3.11-slim AS a"),
        Instruction("RUN", "a && b"),
        Instruction("CMD", '["x"]'),
    ] == parse_dockerfile(text)


def test_build_args_take_their_defaults() -> None:
    """`$NAME` and `${NAME}` in a RUN read the ARG's default; other variables stay."""
    text = 'FROM x\nARG A=https://a/b\nRUN pip "$A" ${A} $AB $PATH\n'
    assert (
        'pip "https://a/b" https://a/b $AB $PATH'
        == with_build_args(parse_dockerfile(text))[-1].args
    )


def test_no_syntax_directive() -> None:
    """No `# syntax=` parser directive: with it, BuildKit fetches a frontend image from a
    registry before building anything, which fails where no registry is reachable."""
    assert not re.match(r"\s*#\s*syntax\s*=", DOCKERFILE_TEXT, re.IGNORECASE)


def test_torch_step_accepts_only_a_cpu_build() -> None:
    """The torch step's index is a build argument (a build that cannot reach PyTorch's index
    names another) and the step fails unless the torch it installed is a CPU build."""
    (torch_step,) = [r for r in RUNS if "torch==" in r]
    assert "torch.version.cuda is not None" in torch_step, torch_step
    assert any(i.name == "ARG" and i.args.startswith("TORCH_INDEX_URL=") for i in STAGES[0])


def test_torch_pin_is_the_makefiles() -> None:
    """The image installs the same torch as `make install`, first and on its own, and that pin is
    the one requirements.lock holds (the lock's is the CPU build, `+cpu`)."""
    make_pins = torch_pins(MAKE_INSTALLS)
    assert ["torch==2.13.0"] == make_pins
    docker = pip_installs(RUNS)
    assert make_pins == torch_pins(docker)
    assert make_pins == without_option(docker[0], "--index-url")
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").split()
    assert [f"{make_pins[0]}+cpu"] == [p for p in lock if p.startswith("torch==")]


def test_project_installs_with_the_lock_as_the_makefile_does() -> None:
    """The project install is the Makefile's `-c requirements.lock`, non-editable and without the
    dev extras; only torch may use another index (the CPU one), nothing is unpinned."""
    make_project = [a for a in MAKE_INSTALLS if "requirements.lock" in a]
    assert 1 == len(make_project)
    assert "-c" == make_project[0][make_project[0].index("requirements.lock") - 1]
    docker = pip_installs(RUNS)
    assert [["-c", "requirements.lock", "."]] == [a for a in docker if "requirements.lock" in a]
    assert 2 == len(docker)
    assert ["https://download.pytorch.org/whl/cpu"] == [
        w for a in docker for w in re.findall(r"--index-url (\S+)", " ".join(a))
    ]


def test_every_stage_is_python_311_slim() -> None:
    """A build stage and a runtime stage, both on the official python 3.11 slim image, the same
    minor version pyproject's requires-python allows."""
    bases = [s[0].args.split()[0] for s in STAGES]
    assert 2 <= len(bases)
    assert all(
        re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", b) for b in bases
    ), bases
    assert ">=3.11,<3.12" == PYPROJECT["project"]["requires-python"]
    assert any(i.name == "COPY" and i.args.startswith("--from=") for i in RUNTIME)


def test_runtime_runs_as_a_non_root_user() -> None:
    """The last USER of the runtime stage is neither root nor uid 0."""
    users = [i.args.split(":")[0] for i in RUNTIME if i.name == "USER"]
    assert users, "the runtime stage sets no USER"
    assert users[-1] not in {"root", "0"}


def test_healthcheck_hits_healthz_and_the_port_is_exposed() -> None:
    """One HEALTHCHECK, on /healthz over loopback at the EXPOSEd port (the endpoint itself comes
    in a later change)."""
    checks = [i.args for i in RUNTIME if i.name == "HEALTHCHECK"]
    assert 1 == len(checks)
    url = re.search(r"http://127\.0\.0\.1:(\d+)/healthz", checks[0])
    assert url is not None, checks[0]
    exposed = [i.args.split("/")[0] for i in RUNTIME if i.name == "EXPOSE"]
    assert [url.group(1)] == exposed


def test_healthcheck_waits_longer_than_the_app_does() -> None:
    """Both the HEALTHCHECK's --timeout and the probe's own urlopen timeout are longer than
    [ops] health_timeout_seconds, so a dependency that does not answer in time shows as the
    app's 503 naming it, not as a probe timeout."""
    (check,) = [i.args for i in RUNTIME if i.name == "HEALTHCHECK"]
    limit = OpsConfig().health_timeout_seconds
    outer = re.search(r"--timeout=(\d+)s", check)
    inner = re.search(r"timeout=(\d+)\)", check)
    assert outer is not None and inner is not None, check
    assert limit < int(inner[1]) < int(outer[1])


def test_data_volume_and_offline_models() -> None:
    """/data is a VOLUME, the baked config writes the database there, and the models are told to
    stay offline at build and at run time."""
    volumes = [v for i in RUNTIME if i.name == "VOLUME" for v in exec_form(i.args)]
    assert ["/data"] == volumes
    baked = tomllib.loads((ROOT / "config.docker.toml").read_text(encoding="utf-8"))
    assert Path(baked["store"]["path"]).is_relative_to("/data")
    env = " ".join(i.args for i in RUNTIME if i.name == "ENV")
    assert "HF_HUB_OFFLINE=1" in env
    assert "TRANSFORMERS_OFFLINE=1" in env
    warm = [r for r in RUNS if "factbot" in r and "check" in r]
    assert warm, "no build-time check warms the model and index cache"


def test_entrypoint_is_the_console_script() -> None:
    """ENTRYPOINT is pyproject's console script, CMD the `run` command on the baked config with
    nothing else: the corpus and the sample feed are the wheel's, so no path is given, and the
    baked config names no corpus folder."""
    scripts = PYPROJECT["project"]["scripts"]
    entry = [exec_form(i.args) for i in RUNTIME if i.name == "ENTRYPOINT"]
    assert [list(scripts)] == entry
    cmd = [exec_form(i.args) for i in RUNTIME if i.name == "CMD"]
    assert [["--config", "/app/config.docker.toml", "run"]] == cmd
    baked = tomllib.loads((ROOT / "config.docker.toml").read_text(encoding="utf-8"))
    assert "corpus" not in baked


def test_the_wheel_lists_every_package_and_maps_the_data() -> None:
    """pyproject lists its packages (a mapped data folder cannot be found): every package under
    bot/ is listed, and the two data packages are the top-level corpus/ and samples/ folders,
    which stay where operators edit them."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    on_disk = {
        ".".join(module.parent.relative_to(ROOT).parts)
        for module in (ROOT / "bot").rglob("*.py")
        if "__pycache__" not in module.parts
    }
    # Regular packages: a folder of modules without __init__.py would install as a namespace
    # package, which merges with any other of the same name.
    assert set() == {
        p for p in on_disk if not (ROOT / p.replace(".", "/") / "__init__.py").is_file()
    }
    data = {"bot._data.corpus": "corpus", "bot._data.samples": "samples"}
    assert on_disk | set(data) == set(setuptools["packages"])
    assert data == setuptools["package-dir"]
    assert (ROOT / "corpus" / "speakers.toml").is_file()
    assert (ROOT / "samples" / "feed.jsonl").is_file()


def test_dockerignore_keeps_what_the_image_copies() -> None:
    """Every path the Dockerfile COPYs from the context is not excluded by .dockerignore."""
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    copied = [
        src.rstrip("/")
        for i in DOCKERFILE
        if i.name == "COPY" and not i.args.startswith("--from=")
        for src in i.args.split()[:-1]
    ]
    assert {"bot", "corpus", "samples", "pyproject.toml", "requirements.lock"} <= set(copied)
    assert set() == ignored & set(copied)
    assert {".venv", ".git", ".factbot", ".atproto"} <= ignored


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv (no pip, no system site-packages) holding a wheel of this worktree's project,
    built and installed offline; the dependencies, too large to install again, come from the
    running venv's site-packages through one .pth line, after the fresh venv's own."""
    tmp = tmp_path_factory.mktemp("fresh")
    src = tmp / "src"  # a copy, so the build's build/ and egg-info stay out of the worktree
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("bot", "corpus", "samples"):  # what the Dockerfile copies before its install
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    offline = ["--no-index", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "wheel", *offline, "-w", str(tmp / "dist"), str(src)], check=True)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    wheel = next((tmp / "dist").glob("factbot-*.whl"))
    subprocess.run([*pip, "--python", str(python), "install", *offline, str(wheel)], check=True)
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = "\n".join(site.getsitepackages())
    (Path(fresh_site) / "_factbot_deps.pth").write_text(deps + "\n", encoding="utf-8")
    return venv


def run_fresh(venv: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PATH=f"{venv / 'bin'}:/usr/bin:/bin")
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
        check=False,
    )


def test_entrypoint_runs_in_a_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    """The image's entry command, `factbot`, installed non-editable from a wheel into a new venv,
    runs from there: `--help` lists the commands, and `corpus validate` on the config the image
    bakes in passes on the corpus the wheel installed. `bot` is imported from the fresh venv,
    not from the development checkout."""
    where = run_fresh(
        fresh_venv, ["python", "-c", "import bot.cli; print(bot.cli.__file__)"], tmp_path
    )
    assert 0 == where.returncode, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(fresh_venv)

    shown = run_fresh(fresh_venv, ["factbot", "--help"], tmp_path)
    assert 0 == shown.returncode, shown.stderr
    assert shown.stdout.startswith("usage: factbot")
    for command in ("check", "corpus", "run", "tune", "status"):
        assert command in shown.stdout

    config = ROOT / "config.docker.toml"
    valid = run_fresh(
        fresh_venv, ["factbot", "--config", str(config), "corpus", "validate"], tmp_path
    )
    assert 0 == valid.returncode, valid.stdout + valid.stderr
    assert_validated(valid.stdout, packaged(fresh_venv, "corpus"))


def assert_validated(stdout: str, corpus: Path) -> None:
    """`corpus validate` of `corpus` passed: its last line says so, and every line before it is
    a warning about a file of that folder (single-source sentences warn, they do not refuse)."""
    *warnings, last = stdout.splitlines()
    assert f"corpus OK: {corpus}" == last
    for line in warnings:
        assert line.startswith(f"{corpus}/") and ": warning: " in line, line


def packaged(venv: Path, name: str) -> Path:
    """Where the wheel put one of the project's data folders in `venv`."""
    (site,) = (venv / "lib").glob("python3.*/site-packages")
    return site / "bot" / "_data" / name


def test_installed_factbot_finds_its_corpus_and_feed(fresh_venv: Path, tmp_path: Path) -> None:
    """From outside any checkout (cwd a temp folder, no config, no --corpus) the installed
    `factbot` validates the corpus the wheel carries, the same files as corpus/; the default
    replay feed is the packaged copy of samples/feed.jsonl."""
    valid = run_fresh(fresh_venv, ["factbot", "corpus", "validate"], tmp_path)
    assert 0 == valid.returncode, valid.stdout + valid.stderr
    corpus = packaged(fresh_venv, "corpus")
    assert_validated(valid.stdout, corpus)
    ours = sorted(p.name for p in (ROOT / "corpus").iterdir() if p.suffix in {".toml", ".md"})
    assert ours == sorted(p.name for p in corpus.iterdir())
    for name in ours:
        assert (ROOT / "corpus" / name).read_bytes() == (corpus / name).read_bytes()

    feed = run_fresh(
        fresh_venv, ["python", "-c", "import bot.cli; print(bot.cli.DEFAULT_FEED)"], tmp_path
    )
    assert 0 == feed.returncode, feed.stderr
    assert str(packaged(fresh_venv, "samples") / "feed.jsonl") == feed.stdout.strip()
    shipped = (ROOT / "samples" / "feed.jsonl").read_bytes()
    assert shipped == Path(feed.stdout.strip()).read_bytes()
