from tracker.cli.fast import main

main()
