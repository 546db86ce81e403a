from reelflow_ops.cli import main

main()
