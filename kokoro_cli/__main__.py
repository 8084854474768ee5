from kokoro_cli.cli import main

main()
