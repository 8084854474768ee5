from kokoro_cli.quick import main

main()
