from pipeline.cli.app import main

if __name__ == "__main__":  # not when a child process of ours re-imports the main module (multiprocessing's spawn)
    main()
