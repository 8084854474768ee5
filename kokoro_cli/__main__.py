from kokoro_cli.commands.quick import main

main()
