from anchor.cli.main import run

run()
