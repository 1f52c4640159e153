using Fastsocket.Bench;
using Fastsocket.Stack;

namespace Fastsocket.Tests.Stack;

/// <summary>The designs by name: the paper's three, the ablation, and the mechanism set each stands for.</summary>
public class StackDesignsTests
{
    [Theory]
    [InlineData("base", StackMechanisms.None, StackDesign.Base)]
    [InlineData("reuseport", StackMechanisms.ReusePortListen, StackDesign.ReusePort)]
    [InlineData("fastsocket", StackMechanisms.Fastsocket, StackDesign.Fastsocket)]
    [InlineData("base+local-listen", StackMechanisms.LocalListen, StackDesign.Base)]
    [InlineData("base+local-established", StackMechanisms.LocalEstablished, StackDesign.Base)]
    [InlineData("base+rfd", StackMechanisms.ReceiveFlowDeliver, StackDesign.Base)]
    [InlineData("base+light-sockets", StackMechanisms.LightSockets, StackDesign.Base)]
    public void EachNameIsOneMechanismSet(string name, StackMechanisms mechanisms, StackDesign design)
    {
        Assert.True(StackDesigns.TryParse(name, out StackMechanisms parsed));
        Assert.Equal(mechanisms, parsed);
        Assert.Equal(name, StackDesigns.NameOf(mechanisms));
        Assert.Equal(design, StackDesigns.DesignOf(mechanisms));
    }

    [Fact]
    public void ThePaperDesignsMapToTheirSetsAndFastsocketIsAllFourMechanisms()
    {
        Assert.Equal(StackMechanisms.None, StackDesigns.MechanismsOf(StackDesign.Base));
        Assert.Equal(StackMechanisms.ReusePortListen, StackDesigns.MechanismsOf(StackDesign.ReusePort));
        StackMechanisms all = StackMechanisms.None;
        foreach (string ablation in StackDesigns.Ablation)
        {
            Assert.True(StackDesigns.TryParse(ablation, out StackMechanisms one));
            Assert.Equal(1, System.Numerics.BitOperations.PopCount((uint)one));
            all |= one;
        }
        Assert.Equal(StackDesigns.MechanismsOf(StackDesign.Fastsocket), all);
        Assert.False(StackDesigns.TryParse("base+everything", out _));
        Assert.Null(StackDesigns.NameOf(StackMechanisms.LocalListen | StackMechanisms.LightSockets));
    }

    [Fact]
    public void ReusePortAndLocalListenersCannotBeCombined()
    {
        Assert.Throws<ArgumentException>(() => StackDesigns.Validate(StackMechanisms.ReusePortListen | StackMechanisms.LocalListen));
        Assert.Throws<ArgumentOutOfRangeException>(() => StackDesigns.Validate((StackMechanisms)64));
        StackDesigns.Validate(StackMechanisms.ReusePortListen | StackMechanisms.LightSockets);
    }

    [Fact]
    public void TheBenchRunsEveryNamedDesignUnderItsName()
    {
        BenchTargets targets = BenchTargets.CreateDefault();
        foreach (string name in StackDesigns.All)
        {
            Assert.True(targets.IsRegistered(name), name);
            Assert.Equal(name, targets.Create(name).Design);
        }
        Assert.Equal(["base+local-listen", "base+local-established", "base+rfd", "base+light-sockets"], BenchTargets.AblationDesigns);
    }
}
