using System.CommandLine;
using Precision.Orleans.Client.Commands;

Precision.Orleans.Engine.Gpu.CudaBackend.Register();
var root = new RootCommand("precision — RL fine-tuning of language models with training/inference precision you choose (fp32, bf16, fp16).");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return root.Parse(args).Invoke();
